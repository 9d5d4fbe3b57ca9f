/**
 * The runtime's error classes. Each one's `name` equals its class name, so errors keep
 * their identity through `String(err)`, structured clone and JSON, and across the copies
 * of the runtime that may live in one page.
 */

function named<T extends Error>(error: T, name: string): T {
  Object.defineProperty(error, "name", { value: name, configurable: true, writable: true, enumerable: false });
  return error;
}

/**
 * Thrown into a coroutine at its suspension point when its task is cancelled
 * (asyncio.CancelledError). A coroutine may catch it to clean up, and should re-throw it.
 *
 * @example
 * try { yield* sleep(10_000) } catch (e) { if (e instanceof CancelledError) cleanUp(); throw e }
 */
export class CancelledError extends Error {
  constructor(message?: string) {
    super(message ?? "");
    named(this, "CancelledError");
  }
}

/**
 * A CancelledError made by the loop itself, for a task woken by its cancelled future or
 * stepped with a pending cancellation. Its stack would hold only the loop's own frames
 * (the task's coroutine is not on the stack yet), so none is captured: capturing it was
 * most of the cost of cancelling a task. Type, message and identity are as before.
 *
 * @example
 * task._step(cancelledErrorWithoutStack(future._cancelMessage), undefined);
 */
export function cancelledErrorWithoutStack(message?: string): CancelledError {
  const errorClass = Error as unknown as { stackTraceLimit?: unknown };
  const limit = errorClass.stackTraceLimit;
  // Engines without V8's stack trace limit build the error as usual.
  if (typeof limit !== "number") return new CancelledError(message);
  errorClass.stackTraceLimit = 0;
  try {
    return new CancelledError(message);
  } finally {
    errorClass.stackTraceLimit = limit;
  }
}

/** A deadline passed: raised by `waitFor`, `timeout`, `timeoutAt`, `wait` never raises it. */
export class TimeoutError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message ?? "", options);
    named(this, "TimeoutError");
  }
}

/** An operation was not allowed in the future's current state (asyncio.InvalidStateError). */
export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message);
    named(this, "InvalidStateError");
  }
}

/**
 * The runtime was used in a way that cannot work: no running event loop, a task awaiting
 * itself, a coroutine yielding something that is not awaitable (Python's RuntimeError).
 */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    named(this, "RuntimeError");
  }
}

/** `Queue.getNowait()` on an empty queue. */
export class QueueEmpty extends Error {
  constructor(message = "queue is empty") {
    super(message);
    named(this, "QueueEmpty");
  }
}

/** `Queue.putNowait()` on a full queue. */
export class QueueFull extends Error {
  constructor(message = "queue is full") {
    super(message);
    named(this, "QueueFull");
  }
}

/** A queue was shut down: `put` always, `get` once it is empty (asyncio 3.13). */
export class QueueShutDown extends Error {
  constructor(message = "queue is shut down") {
    super(message);
    named(this, "QueueShutDown");
  }
}

/** A `Barrier` was aborted or reset while a task waited on it. */
export class BrokenBarrierError extends Error {
  constructor(message = "barrier is broken") {
    super(message);
    named(this, "BrokenBarrierError");
  }
}

/**
 * Several errors raised together, as by a task group whose children failed (Python's
 * ExceptionGroup). It is an `AggregateError`, so `errors` holds the same list as `exceptions`.
 */
export class ExceptionGroup extends AggregateError {
  readonly exceptions: readonly unknown[];
  constructor(message: string, exceptions: readonly unknown[]) {
    super(exceptions, message);
    named(this, "ExceptionGroup");
    this.exceptions = Object.freeze([...exceptions]);
  }
}

/**
 * True for a CancelledError from this or any other copy of the runtime in the realm: a page
 * may bundle its own copy, and cancellations cross between them.
 */
export function isCancelledError(error: unknown): boolean {
  return error instanceof CancelledError
    || (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "CancelledError");
}
