/**
 * A wait on the host's I/O (a worker's reply, bytes from a socket, a process's exit) as a
 * future a task can await. While it is pending the loop counts it as an outstanding host
 * operation, so the virtual clock does not jump past I/O the host is still doing; its await
 * target names the kind of I/O and the peer, which is what instruments and the panel show.
 * Host callbacks settle it from outside any task step; once the loop is closed they are ignored.
 */
import { Future } from "../future.ts";
import type { EventLoop } from "../event-loop.ts";
import type { AwaitKind } from "../instrument.ts";

export class IoWait<T> extends Future<T> {
  private hostOpOpen = true;

  /** `onCancel` runs once if the awaiting side cancels the wait (the host's outcome is then dropped). */
  constructor(loop: EventLoop, kind: AwaitKind, label: string, private readonly onCancel: (() => void) | null = null) {
    super(loop);
    this._target = { kind, label };
    loop._pendingHostOps++;
  }

  /** The host finished: a value. Ignored if the wait was cancelled or the loop closed. */
  resolve(value: T): void {
    this.releaseHostOp();
    if (this.done() || this._loop.isClosed()) return;
    this.setResult(value);
  }

  /** The host failed. Ignored if the wait was cancelled or the loop closed. */
  reject(error: unknown): void {
    this.releaseHostOp();
    if (this.done() || this._loop.isClosed()) return;
    this.setException(error);
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    this.releaseHostOp();
    const cancelled = super.cancel(msg);
    if (this.onCancel !== null) this.onCancel();
    return cancelled;
  }

  private releaseHostOp(): void {
    if (!this.hostOpOpen) return;
    this.hostOpOpen = false;
    this._loop._hostOpDone();
  }
}
