/**
 * Awaiting the host's promises from a coroutine.
 *
 * A HostPromiseFuture follows a promise. While it is unsettled the loop counts it as an
 * outstanding host operation, so the virtual clock does not jump past work the host is
 * still doing. With an AbortController (an abortable promise factory, or an async-function
 * task), cancelling the future aborts the signal and then waits for the promise: a
 * rejection after the abort ends it as cancelled; a value means the work finished anyway.
 * Without one, cancelling stops waiting at once and the promise's outcome is ignored.
 */
import { CancelledError } from "./errors.ts";
import { Future } from "./future.ts";
import type { EventLoop } from "./event-loop.ts";

export class HostPromiseFuture<T> extends Future<T> {
  /** @internal */ readonly _controller: AbortController | null;
  /** @internal */ _hostSettled = false;
  /** @internal */ _abortRequested = false;
  /** @internal */ _abortMessage: string | undefined = undefined;

  constructor(loop: EventLoop, promise: PromiseLike<T>, controller: AbortController | null, label: string) {
    super(loop);
    this._controller = controller;
    this._target = { kind: "promise", label };
    loop._pendingHostOps++;
    try {
      promise.then((value) => this._settle(true, value), (error: unknown) => this._settle(false, error));
    } catch (error) {
      // A thenable whose `then` throws has failed synchronously.
      this._settle(false, error);
    }
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    if (this._controller !== null) {
      if (!this._abortRequested) {
        this._abortRequested = true;
        this._abortMessage = msg;
        if (!this._controller.signal.aborted) this._controller.abort(new CancelledError(msg));
      }
      return true;
    }
    this._releaseHostOp();
    return super.cancel(msg);
  }

  private _settle(ok: boolean, value: unknown): void {
    this._releaseHostOp();
    if (this.done() || this._loop.isClosed()) return;
    if (this._abortRequested && !ok) super.cancel(this._abortMessage);
    else if (ok) this.setResult(value as T);
    else this.setException(value);
  }

  private _releaseHostOp(): void {
    if (this._hostSettled) return;
    this._hostSettled = true;
    this._loop._hostOpDone();
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null
    && typeof (value as { then?: unknown }).then === "function";
}

export function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return typeof value === "object" && value !== null
    && typeof (value as Generator).next === "function"
    && typeof (value as Generator).throw === "function"
    && typeof (value as Generator)[Symbol.iterator] === "function";
}
