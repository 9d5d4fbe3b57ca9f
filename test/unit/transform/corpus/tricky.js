// Tricky async functions: every export named `scenario…` is run once untransformed and once
// transformed, and must give the same result (or the same error). The module itself uses a
// top-level await, which the transform must leave alone.

const settled = await Promise.resolve("top-level await");

export function topLevel() {
  return settled;
}

export async function scenarioDefaultParams() {
  async function withDefaults(a, b = a * 2, c = (() => a + b)()) {
    return [a, b, c];
  }
  return [await withDefaults(1), await withDefaults(1, 5), await withDefaults(2, undefined, 0)];
}

export async function scenarioDestructuring() {
  const pick = async ({ a, b: [first, ...rest] = [9, 8, 7] }, [x = "x"] = []) => ({ a, first, rest, x });
  return [await pick({ a: 1 }), await pick({ a: 2, b: [3, 4] }, ["y"])];
}

export async function scenarioArguments() {
  async function count() {
    await null;
    const seen = arguments.length;
    const arrow = async () => arguments[0];
    return [seen, await arrow(), Array.from(arguments)];
  }
  return count("a", "b", 3);
}

export async function scenarioLengthAndName() {
  async function three(a, b, c) { return a + b + c; }
  const arrow = async (x, y) => x + y;
  async function* gen(p) { yield p; }
  return [three.length, three.name, arrow.length, arrow.name, gen.name, gen.length,
    Object.getPrototypeOf(three) === Object.getPrototypeOf(async function () {}),
    three.constructor.name, gen.constructor.name];
}

class Base {
  constructor(label) { this.label = label; }
  async describe(suffix) {
    await Promise.resolve();
    return `${this.label}:${suffix}`;
  }
  static async create(label) { return new this(label); }
}

class Derived extends Base {
  async describe(suffix) {
    const fromSuper = await super.describe(suffix);
    const viaArrow = await (async () => super.describe("arrow"))();
    return [fromSuper, viaArrow, new.target === undefined];
  }
  static async create(label) {
    const made = await super.create(label);
    return made instanceof Derived;
  }
}

export async function scenarioSuper() {
  return [await new Derived("d").describe("s"), await Derived.create("c")];
}

export async function scenarioGetters() {
  const store = {
    value: 41,
    get next() { return (async () => this.value + 1)(); },
    async read() { return [await this.next, this.value]; },
  };
  class Lazy {
    #data = 3;
    get data() { return Promise.resolve(this.#data); }
    async load() { return (await this.data) * 2; }
    async #secret() { return "private"; }
    async callSecret() { return this.#secret(); }
  }
  const lazy = new Lazy();
  return [await store.read(), await lazy.load(), await lazy.callSecret()];
}

export async function scenarioForAwait() {
  async function* numbers(limit) {
    for (let i = 0; i < limit; i++) {
      await null;
      yield i;
    }
  }
  const out = [];
  for await (const n of numbers(3)) out.push(n);
  outer: for await (const a of [Promise.resolve("a"), "b"]) {
    for await (const b of numbers(5)) {
      if (b === 1) continue outer;
      out.push(`${a}${b}`);
    }
  }
  for await (const x of numbers(10)) {
    if (x === 2) break;
    out.push(`x${x}`);
  }
  return out;
}

export async function scenarioAsyncGenerators() {
  let cleaned = false;
  async function* source() {
    try {
      const got = yield "first";
      yield `got ${got}`;
      yield* inner();
      yield "unreached";
    } finally {
      cleaned = true;
    }
  }
  async function* inner() {
    yield "inner";
    return "inner result";
  }
  const it = source();
  const steps = [await it.next(), await it.next("hello"), await it.next(), await it.return("early"), await it.next()];
  let thrown = null;
  async function* failing() { yield 1; throw new Error("generator failed"); }
  try {
    for await (const v of failing()) steps.push(v);
  } catch (error) {
    thrown = error.message;
  }
  return [steps, cleaned, thrown];
}

export async function scenarioClassFields() {
  class Widget {
    name = "widget";
    load = async () => `${this.name} loaded`;
    static registry = async (w) => w.name;
    static { this.ready = (async () => "static block")(); }
  }
  const w = new Widget();
  const detached = w.load;
  return [await detached(), await Widget.registry(w), await Widget.ready];
}

export async function scenarioThisInArrows() {
  const obj = {
    tag: "obj",
    async method() {
      const inner = async () => {
        await null;
        return this.tag;
      };
      const nested = async () => (async () => this.tag)();
      return [await inner(), await nested()];
    },
  };
  return obj.method();
}

export async function scenarioErrors() {
  class CustomError extends Error {}
  async function throwsSync() { throw new CustomError("sync"); }
  async function throwsAfterAwait() { await null; throw new TypeError("after await"); }
  async function rejectsValue() { await Promise.reject("plain value"); }
  async function caught() {
    try {
      await throwsAfterAwait();
    } catch (error) {
      return `caught ${error.message}`;
    } finally {
      await null;
    }
  }
  const results = [];
  for (const fn of [throwsSync, throwsAfterAwait, rejectsValue]) {
    try {
      await fn();
    } catch (error) {
      results.push([error instanceof CustomError, error?.constructor?.name, error?.message ?? error]);
    }
  }
  results.push(await caught());
  return results;
}

export async function scenarioThenables() {
  const thenable = { then(resolve) { resolve("from thenable"); } };
  const rejecting = { then(_resolve, reject) { reject(new Error("thenable rejected")); } };
  let message = null;
  try {
    await rejecting;
  } catch (error) {
    message = error.message;
  }
  return [await thenable, message, await 5, await undefined, await (async () => "nested")()];
}

/** Microtask order: two interleaved async functions and plain promise callbacks. */
export async function scenarioMicrotaskOrder() {
  const log = [];
  async function a() { log.push("a1"); await null; log.push("a2"); await Promise.resolve(); log.push("a3"); }
  async function b() { log.push("b1"); await a(); log.push("b2"); }
  const p = Promise.resolve().then(() => log.push("then1")).then(() => log.push("then2")).then(() => log.push("then3"));
  const q = b();
  queueMicrotask(() => log.push("micro"));
  await Promise.all([p, q]);
  const thenable = { then(resolve) { log.push("thenable.then"); resolve(); } };
  await Promise.all([(async () => { await thenable; log.push("after thenable"); })(), Promise.resolve().then(() => log.push("t"))]);
  return log;
}

export async function scenarioReturnValues() {
  async function returnsPromise() { return Promise.resolve("adopted"); }
  async function returnsNothing() { return; }
  const expressionBody = async () => ({ object: true });
  const sequence = async (x) => (x, x + 1);
  return [await returnsPromise(), await returnsNothing(), await expressionBody(), await sequence(1)];
}

export async function scenarioDirectives() {
  async function strict() {
    "use strict";
    return this === undefined;
  }
  return strict();
}
