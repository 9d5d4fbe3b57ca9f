/**
 * Web Workers, seen from the page: a `worker` operation from `new Worker(url)` to
 * `terminate()` (`ok`, with the message counts in its detail), or to the failure to load its
 * script (`error`); a worker still running at the end stays open. Each message is a
 * `workerMessage` operation without length, a child of its worker: `postMessage → worker`
 * from the page, `message ← worker` from the worker — with its size (`chars` of a string,
 * `bytes` of a buffer or typed array), never its payload.
 *
 * The constructor is replaced by a function that constructs the original with the page's own
 * arguments and `new.target` (so subclasses and `instanceof Worker` work as before), with the
 * original's `name`, `length`, `prototype` and source; `Worker.prototype.constructor` points to
 * it while installed, and both are put back on detach. `postMessage` and `terminate` are
 * wrapped on the prototype. Messages from the worker are seen by a listener of ours on the
 * worker itself (for a dedicated worker, adding a `message` listener changes nothing: its
 * messages are delivered whether or not anyone listens); each is the cause of what the page's
 * listeners start while it is dispatched.
 */
import { Patch } from "./cloak.ts";
import {
  apply, arrayBufferByteLength, construct, dataProperty, dataViewByteLength, defineProperty, documentBaseUri, eventType,
  ownDescriptor, getPrototypeOf, listen, messageData, NativeURL, NativeWorker, pageWindow, typedArrayByteLength, urlHref,
} from "./originals.ts";
import { safeWeakMap } from "../../trace/primordials.ts";
import { Cause, activeCause, enter } from "./causes.ts";
import { callerSite } from "./site.ts";
import { currentSink, startOp, taskTracker, type Fields, type NativeOp } from "./sink.ts";

/* eslint-disable @typescript-eslint/no-unsafe-function-type -- wrappers stand in for any function */

interface WorkerState {
  readonly op: NativeOp;
  open: boolean;
  sent: number;
  received: number;
  errors: number;
}

const setPrototypeOf = Object.setPrototypeOf;
const workerStates = safeWeakMap<object, WorkerState>();
const errorEventProto = (globalThis as { ErrorEvent?: { prototype: object } }).ErrorEvent?.prototype;

/** A message's size, read without running page code: `chars` of a string, `bytes` of binary data. */
function sizeOf(data: unknown): Fields | undefined {
  if (typeof data === "string") return { chars: data.length };
  if (typeof data !== "object" || data === null) return undefined;
  const readers = [arrayBufferByteLength, typedArrayByteLength, dataViewByteLength];
  for (let k = 0; k < readers.length; k++) {
    try {
      const bytes = readers[k]!(data);
      if (typeof bytes === "number") return { bytes };
    } catch {
      // Not this kind of buffer: the native getter refused it.
    }
  }
  return undefined;
}

function scriptUrl(input: unknown): string {
  if (typeof input === "string") {
    if (NativeURL === undefined || pageWindow === undefined) return input;
    try {
      return urlHref(new NativeURL(input, documentBaseUri(pageWindow.document))) ?? input;
    } catch {
      return input;
    }
  }
  if (typeof input === "object" && input !== null) {
    try {
      return urlHref(input) ?? "?";
    } catch {
      // Not a URL object (a TrustedScriptURL…): converting it would run page code a second time.
    }
  }
  return "?";
}

function message(state: WorkerState, label: string, fields: Fields | undefined): NativeOp | null {
  if (!state.op.live) return null;
  const op = startOp(state.op.sink, "workerMessage", label, null, { parent: state.op.id, task: 0 });
  op.end("ok", fields);
  return op;
}

/**
 * While the worker's message is being dispatched, it is the cause of what the page's listeners
 * start (causes.ts): the fetches a reply sets off read back to it, not to whatever frame ran
 * last. Ours is the worker's first listener (added as it was made), so the frame is in place
 * before the page's; it is left once the event's phase says the dispatch is over.
 */
function causeDuring(event: Event, op: NativeOp | null): void {
  if (op === null) return;
  const outer = activeCause(op.sink);
  enter(new Cause(op.sink, op.id, taskTracker.running, event, null, op.sink.recorder.now(), outer, null));
}

function finish(state: WorkerState, outcome: "ok" | "error", extra: Fields): void {
  if (!state.open) return;
  state.open = false;
  state.op.end(outcome, { ...extra, sent: state.sent, received: state.received, errors: state.errors > 0 ? state.errors : undefined });
}

function onWorkerEvent(this: EventTarget, event: Event): void {
  const state = workerStates.get(this);
  if (state === undefined || !state.open) return;
  try {
    const type = eventType(event);
    if (type === "message") {
      state.received++;
      causeDuring(event, message(state, "message ← worker", sizeOf(messageData(event))));
    } else if (type === "messageerror") {
      state.received++;
      causeDuring(event, message(state, "message ← worker", { error: "could not be deserialized" }));
    } else if (type === "error") {
      state.errors++;
      // An uncaught exception inside the worker is an ErrorEvent, and the worker lives on; a
      // plain error event means its script could not be loaded, and it is gone.
      if (!isErrorEvent(event)) finish(state, "error", { error: "the worker's script could not be loaded" });
    }
  } catch {
    // Never thrown into the page's event dispatch.
  }
}

function isErrorEvent(event: Event): boolean {
  for (let o = getPrototypeOf(event) as object | null; o !== null; o = getPrototypeOf(o) as object | null) if (o === errorEventProto) return true;
  return false;
}

const WORKER_EVENTS = ["message", "messageerror", "error"];

function wrapWorker(original: Function): Function {
  // A function, not a method: it must be a constructor, as Worker is.
  const wrapper = function Worker(this: unknown, ...args: unknown[]): unknown {
    // Called without `new`: the original throws its own TypeError.
    if (new.target === undefined) return apply(original, this, args);
    const worker = construct(original, args, new.target) as object;
    const into = currentSink();
    if (into === null) return worker;
    try {
      const options = args[1];
      const type = typeof options === "object" && options !== null ? dataProperty(options, "type") : undefined;
      const name = typeof options === "object" && options !== null ? dataProperty(options, "name") : undefined;
      const op = startOp(into, "worker", scriptUrl(args[0]), callerSite(wrapper));
      workerStates.set(worker, { op, open: true, sent: 0, received: 0, errors: 0 });
      // Kept for its end's detail.
      workerDetails.set(worker, { type: type === "module" ? "module" : undefined, name: typeof name === "string" && name !== "" ? name : undefined });
      for (let k = 0; k < WORKER_EVENTS.length; k++) listen(worker as EventTarget, WORKER_EVENTS[k]!, onWorkerEvent);
    } catch {
      // Recording failed: the page still gets its worker.
    }
    return worker;
  };
  const prototype = ownDescriptor(original, "prototype");
  if (prototype !== undefined) defineProperty(wrapper, "prototype", prototype);
  // Worker inherits from EventTarget (as its class extends it), not from Function.prototype.
  setPrototypeOf(wrapper, getPrototypeOf(original));
  return wrapper;
}

const workerDetails = safeWeakMap<object, Fields>();

const workerPatch = Patch.of(pageWindow, "Worker", wrapWorker);

/** `Worker.prototype.constructor`, so `worker.constructor === Worker` holds while installed. */
const constructorPatch = workerPatch === null || NativeWorker === undefined ? null : Patch.of(NativeWorker.prototype, "constructor", () => workerPatch.wrapper);

const postMessagePatch = Patch.of(NativeWorker?.prototype, "postMessage", (original) => ({
  postMessage(this: unknown, ...args: unknown[]): unknown {
    const state = typeof this === "object" && this !== null ? workerStates.get(this) : undefined;
    if (state === undefined || !state.open || !state.op.live) return apply(original, this, args);
    // Measured before: a transferred buffer is empty after the call.
    const size = sizeOf(args[0]);
    const result = apply(original, this, args);
    // Reached only when the message was sent (a DataCloneError passes through untouched).
    state.sent++;
    message(state, "postMessage → worker", size);
    return result;
  },
}).postMessage);

const terminatePatch = Patch.of(NativeWorker?.prototype, "terminate", (original) => ({
  terminate(this: unknown, ...args: unknown[]): unknown {
    const result = apply(original, this, args);
    const state = typeof this === "object" && this !== null ? workerStates.get(this) : undefined;
    if (state !== undefined) finish(state, "ok", { ...workerDetails.get(this as object), terminated: true });
    return result;
  },
}).terminate);

export const workerPatches: readonly Patch[] = [workerPatch, constructorPatch, postMessagePatch, terminatePatch].filter((p): p is Patch => p !== null);
