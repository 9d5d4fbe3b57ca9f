/**
 * What the runtime needs from its host — a clock, a macrotask and a timer — found on
 * `globalThis` so the same code runs in pages, workers and Node.
 */

interface HostGlobals {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: new () => { port1: { onmessage: (() => void) | null; close(): void }; port2: { postMessage(v: unknown): void; close(): void } };
}

const hostGlobals = globalThis as unknown as HostGlobals;

/** Milliseconds from a monotonic clock. */
export const hostNow: () => number = typeof performance !== "undefined" && typeof performance.now === "function"
  ? () => performance.now()
  : () => Date.now();

/**
 * Runs `callback` in a later macrotask, so the host's own work (input, rendering, I/O) runs
 * first. Node's setImmediate and a MessageChannel avoid setTimeout's 4 ms nesting clamp.
 */
export const hostMacrotask: (callback: () => void) => void = makeMacrotask();

function makeMacrotask(): (callback: () => void) => void {
  const setImmediate = hostGlobals.setImmediate;
  if (typeof setImmediate === "function") return (callback) => void setImmediate(callback);
  const Channel = hostGlobals.MessageChannel;
  if (typeof Channel === "function") {
    const pending: (() => void)[] = [];
    const channel = new Channel();
    channel.port1.onmessage = () => pending.shift()?.();
    return (callback) => {
      pending.push(callback);
      channel.port2.postMessage(null);
    };
  }
  return (callback) => void setTimeout(callback, 0);
}

export type HostTimer = ReturnType<typeof setTimeout>;

export function hostSetTimer(callback: () => void, ms: number): HostTimer {
  return setTimeout(callback, ms);
}

export function hostClearTimer(timer: HostTimer): void {
  clearTimeout(timer);
}
