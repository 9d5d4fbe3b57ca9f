/** The errors of streams and connections (asyncio.IncompleteReadError, LimitOverrunError, ConnectionResetError). */

function named<T extends Error>(error: T, name: string): T {
  Object.defineProperty(error, "name", { value: name, configurable: true, writable: true, enumerable: false });
  return error;
}

/**
 * `readexactly(n)` or `readuntil(sep)` met the end of the stream first. `partial` holds the
 * bytes read before it (they are consumed); `expected` is how many were wanted, or null for
 * `readuntil`.
 *
 * @example
 * try { yield* reader.readexactly(4) } catch (e) { if (e instanceof IncompleteReadError) keep(e.partial) }
 */
export class IncompleteReadError extends Error {
  constructor(readonly partial: Uint8Array, readonly expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
    named(this, "IncompleteReadError");
  }
}

/**
 * `readuntil(sep)` found no separator within the reader's limit. `consumed` is how many
 * bytes may be read (with `readexactly`) to get past the search; nothing was consumed.
 */
export class LimitOverrunError extends Error {
  constructor(message: string, readonly consumed: number) {
    super(message);
    named(this, "LimitOverrunError");
  }
}

/** The connection was lost while writing or draining (asyncio raises ConnectionResetError). */
export class ConnectionResetError extends Error {
  constructor(message = "Connection lost", options?: { cause?: unknown }) {
    super(message, options);
    named(this, "ConnectionResetError");
  }
}

/** The peer could not be reached (refused, unreachable, or a WebSocket that failed to open). */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    named(this, "ConnectionError");
  }
}
