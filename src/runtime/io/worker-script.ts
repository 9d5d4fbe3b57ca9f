/**
 * The script every pooled worker runs, as source text: a page starts it from a Blob, Node
 * from `eval`. A job names a function by its source (compiled once per worker, so a
 * function sent again costs nothing) or by module URL and export; the reply carries the
 * value, or the error's name, message and stack (errors do not survive structured clone
 * with their class in every host).
 */

/** What the pool posts to a worker. */
export interface ThreadJob {
  readonly id: number;
  readonly source?: string;
  readonly url?: string;
  readonly exportName?: string;
  readonly args: readonly unknown[];
}

/** What a worker posts back. */
export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string; readonly stack: string };

/** The body, shared by both hosts: `post` sends a reply; the host wiring feeds `handle`. */
const BODY = String.raw`
const compiled = new Map();
function compile(source) {
  let fn = compiled.get(source);
  if (fn !== undefined) return fn;
  try {
    fn = (0, eval)("(" + source + "\n)");
  } catch (error) {
    // A method's source ("fib(n) { ... }") is not an expression on its own.
    if (!(error instanceof SyntaxError)) throw error;
    fn = (0, eval)("(function " + source + "\n)");
  }
  compiled.set(source, fn);
  return fn;
}
async function handle(job) {
  try {
    let fn;
    if (job.source !== undefined) fn = compile(job.source);
    else {
      const module = await import(job.url);
      fn = module[job.exportName];
      if (typeof fn !== "function") throw new TypeError(job.url + " has no exported function " + JSON.stringify(job.exportName));
    }
    const value = await fn(...job.args);
    post({ id: job.id, ok: true, value });
  } catch (error) {
    const failed = typeof error === "object" && error !== null;
    post({
      id: job.id, ok: false,
      name: failed && typeof error.name === "string" ? error.name : "Error",
      message: failed && typeof error.message === "string" ? error.message : String(error),
      stack: failed && typeof error.stack === "string" ? error.stack : "",
    });
  }
}
`;

export const WEB_WORKER_SCRIPT = `${BODY}
const post = (reply) => self.postMessage(reply);
self.onmessage = (event) => { handle(event.data); };
`;

export const NODE_WORKER_SCRIPT = `${BODY}
const { parentPort } = require("node:worker_threads");
const post = (reply) => parentPort.postMessage(reply);
parentPort.on("message", (job) => { handle(job); });
`;
