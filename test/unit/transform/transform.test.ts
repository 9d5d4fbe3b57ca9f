import { describe, expect, it } from "vitest";
import { addInstrument, removeInstrument } from "../../../src/runtime/index.ts";
import { Recorder, SessionBuilder, type Trace } from "../../../src/trace/index.ts";
import { transformAsyncFunctions, TransformSyntaxError } from "../../../src/transform/transform.ts";
import { CORPUS_DIR, PRELUDE_PATH, importTransformed, outcomeOf, transformFile } from "./load.ts";

type Corpus = Record<string, () => unknown>;
const TRICKY = `${CORPUS_DIR}tricky.js`;
const APP = `${CORPUS_DIR}app.js`;

async function recording<T>(body: () => Promise<T>): Promise<{ value: T; trace: Trace }> {
  const recorder = new Recorder({ creationSites: true });
  addInstrument(recorder);
  let value: T;
  try {
    value = await body();
  } finally {
    removeInstrument(recorder);
  }
  const builder = new SessionBuilder();
  const appended = builder.append(recorder.takeBatch());
  if (!appended.ok) throw new Error(appended.error.message);
  return { value, trace: builder.trace() };
}

async function runAll(module: Corpus): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const name of Object.keys(module).filter((key) => key.startsWith("scenario")).sort()) {
    results[name] = await outcomeOf(() => module[name]!());
  }
  return results;
}

describe("the transform keeps what async functions do", async () => {
  const original = (await import(TRICKY)) as Corpus;
  const transformed = await importTransformed<Corpus>(TRICKY);
  const expected = await runAll(original);

  it("leaves a module's top-level await alone", () => {
    expect(transformed.topLevel!()).toBe("top-level await");
  });

  it("gives the same results and errors while nothing records", async () => {
    expect(Object.keys(expected).length).toBeGreaterThan(10);
    expect(await runAll(transformed)).toEqual(expected);
  });

  it("gives the same results, errors and microtask order while recording", async () => {
    const { value, trace } = await recording(() => runAll(transformed));
    expect(value).toEqual(expected);
    // It did record: one task per async call, none left open.
    expect(trace.tasks.length).toBeGreaterThan(50);
    expect(trace.tasks.filter((task) => task.outcome === "pending")).toEqual([]);
  });

  it("leaks no global", async () => {
    const before = Object.getOwnPropertyNames(globalThis).sort();
    await recording(() => runAll(transformed));
    await runAll(transformed);
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(before);
  });

  it("survives an instrument that throws: it is removed at once, the app goes on", async () => {
    let calls = 0;
    // The prelude reports the removal on the console.error it captured when it loaded.
    const broken = { beforeTaskStep(): void { calls++; throw new Error("broken instrument (expected in this test)"); } };
    addInstrument(broken);
    try {
      expect(await runAll(transformed)).toEqual(expected);
    } finally {
      removeInstrument(broken);
    }
    expect(calls).toBe(1);
  });

  it("keeps each scenario's microtask interleaving exactly", async () => {
    const plainOrder = await original.scenarioMicrotaskOrder!();
    expect(await transformed.scenarioMicrotaskOrder!()).toEqual(plainOrder);
    expect((await recording(async () => transformed.scenarioMicrotaskOrder!())).value).toEqual(plainOrder);
  });
});

describe("recorded async calls", async () => {
  const app = await importTransformed<{ Service: new () => { run(): Promise<unknown> }; failing(): Promise<never>; consume(): Promise<number[]>; gatherFailing(): Promise<string> }>(APP);

  it("are tasks of kind async, under their callers, with labelled awaits linked to the calls they await", async () => {
    const { value, trace } = await recording(() => new app.Service().run());
    expect(value).toEqual([{ profile: { id: 7 }, posts: ["post of 7"] }, 2]);
    const byName = (name: string) => trace.tasks.filter((task) => task.name === name);
    const [run] = byName("Service.run");
    const [loadUser] = byName("loadUser");
    expect(run!.parent).toBeNull();
    expect(run!.kind).toBe("async");
    expect(loadUser!.parent).toBe(run!.id);
    const profiles = byName("fetchProfile");
    expect(profiles.map((task) => task.parent)).toEqual([loadUser!.id, run!.id]);
    const awaitsOf = (id: number) => trace.awaits.filter((a) => a.task === id).map((a) => [a.kind, a.label, a.targetTask]);
    expect(awaitsOf(loadUser!.id)).toEqual([
      ["task", "fetchProfile(id)", profiles[0]!.id],
      ["task", "fetchPosts(id)", byName("fetchPosts")[0]!.id],
    ]);
    // Promise.all makes a new promise: no link to either call.
    expect(awaitsOf(run!.id)).toEqual([
      ["task", "loadUser(7)", loadUser!.id],
      ["promise", "Promise.all([fetchProfile(1), fetchPosts(2)])", null],
    ]);
    expect(awaitsOf(profiles[0]!.id)).toEqual([["promise", "delay(2)", null]]);
    // Containment: a child lives within its parent, and the parent waits while it runs.
    expect(loadUser!.created).toBeGreaterThanOrEqual(run!.created);
    expect(loadUser!.end!).toBeLessThanOrEqual(run!.end!);
    const waitOnLoad = trace.awaits.find((a) => a.task === run!.id && a.label === "loadUser(7)")!;
    expect(waitOnLoad.end!).toBeGreaterThanOrEqual(loadUser!.end!);
    expect(trace.tasks.every((task) => task.outcome === "done")).toBe(true);
  });

  it("never overlap their steps, as runtime tasks do", async () => {
    const { trace } = await recording(() => new app.Service().run());
    const steps = [...trace.steps].sort((a, b) => a.start - b.start);
    for (let k = 1; k < steps.length; k++) expect(steps[k]!.start).toBeGreaterThanOrEqual(steps[k - 1]!.end!);
    // fetchProfile's first step runs inside loadUser's call: loadUser's step ends before it.
    expect(steps.length).toBeGreaterThan(trace.tasks.length);
  });

  it("carry their creation site in the original source", async () => {
    const { trace } = await recording(() => new app.Service().run());
    const site = (name: string) => trace.tasks.find((task) => task.name === name)!.site;
    expect(site("fetchProfile")).toEqual({ file: "corpus/app.js", line: 4, column: 1, function: "fetchProfile" });
    expect(site("Service.run")).toEqual({ file: "corpus/app.js", line: 21, column: 3, function: "Service.run" });
  });

  it("run an async generator consumed by `for await` under the loop's function, suspended at each yield", async () => {
    const { value, trace } = await recording(() => app.consume());
    expect(value).toEqual([0, 1]);
    const consume = trace.tasks.find((task) => task.name === "consume")!;
    const ticks = trace.tasks.find((task) => task.name === "ticks")!;
    expect(ticks.parent).toBe(consume.id);
    const labels = (id: number) => trace.awaits.filter((a) => a.task === id).map((a) => a.label);
    expect(labels(consume.id)).toEqual(Array(3).fill("for await … of ticks(2)"));
    expect(labels(ticks.id)).toEqual(["delay(1)", "yield k", "delay(1)", "yield k"]);
    const steps = [...trace.steps].sort((a, b) => a.start - b.start);
    for (let k = 1; k < steps.length; k++) expect(steps[k]!.start).toBeGreaterThanOrEqual(steps[k - 1]!.end!);
    expect(trace.tasks.every((task) => task.outcome === "done")).toBe(true);
  });

  it("record the error a call ends with", async () => {
    const { value, trace } = await recording(() => outcomeOf(() => app.failing()));
    expect(value).toEqual({ error: "RangeError: out of range" });
    const failing = trace.tasks.find((task) => task.name === "failing")!;
    expect(failing.outcome).toBe("error");
    expect(failing.error).toMatchObject({ name: "RangeError", message: "out of range" });
    // Nothing instrumented received it: its error was never retrieved.
    expect(failing.errorRetrieved).toBeNull();
  });

  it("count an error received through Promise.all as retrieved", async () => {
    const { value, trace } = await recording(() => app.gatherFailing());
    expect(value).toBe("out of range");
    const failing = trace.tasks.find((task) => task.name === "failing")!;
    expect(failing.outcome).toBe("error");
    expect(failing.errorRetrieved).not.toBeNull();
    expect(trace.awaits.some((a) => a.targetTask === failing.id)).toBe(false);
  });
});

describe("the rewrite", () => {
  it("maps creation sites through the incoming source map to what people wrote", async () => {
    const { transform } = await import("esbuild");
    const typescript = [
      "interface User { id: number }",
      "",
      "export const load = async (id: number): Promise<User> => {",
      "  await Promise.resolve();",
      "  return { id };",
      "};",
    ].join("\n");
    const compiled = await transform(typescript, { loader: "ts", sourcemap: "external", sourcefile: "/app/src/load.ts" });
    const result = transformAsyncFunctions(compiled.code, { id: "/app/src/load.ts", inputMap: JSON.parse(compiled.map), preludeImport: PRELUDE_PATH, formatFile: (file) => file.replace("/app/", "") })!;
    expect(result.code).toContain(`"load", "src/load.ts", 3, 21`);
  });

  it("names methods, fields, object methods and assigned arrows after what holds them", () => {
    const code = [
      "class Store { async save() {} static async open() {} #load = async () => {}; }",
      "const api = { async get() {}, post: async () => {} };",
      "const Anon = class { async m() {} };",
      "window.onload = async () => {};",
      "export default async function () {}",
      "(async () => {})();",
    ].join("\n");
    const out = transformAsyncFunctions(code, { id: "x.js", preludeImport: "p" })!.code;
    const names = [...out.matchAll(/__aioscope\.enter\("([^"]*)"/g)].map((m) => m[1]);
    expect(names).toEqual(["Store.save", "Store.open", "Store.#load", "api.get", "api.post", "Anon.m", "window.onload", "default", "(anonymous)"]);
  });

  it("leaves modules without async functions unchanged", () => {
    expect(transformAsyncFunctions("export const x = await load(); function* g() { yield 1; }", { id: "x.js", preludeImport: "p" })).toBeNull();
  });

  it("says where a module cannot be parsed", () => {
    expect(() => transformAsyncFunctions("async function f( {", { id: "/src/bad.js", preludeImport: "p" })).toThrow(TransformSyntaxError);
    expect(() => transformAsyncFunctions("async function f( {", { id: "/src/bad.js", preludeImport: "p" })).toThrow(/\/src\/bad\.js:1:/);
  });

  it("gives a source map back to the module it was given", () => {
    const result = transformFile(APP);
    expect(result.map.sources).toEqual([APP]);
    expect(result.map.mappings.length).toBeGreaterThan(0);
    expect(result.functions).toBe(8);
  });
});
