/**
 * Helpers for the runtime's I/O tests in Node: the runtime with Node's I/O installed (as
 * the package's Node entry gives it), and what the process holds open, to assert that
 * nothing a test's `run()` opened outlives it.
 */
import { expect } from "vitest";
import { installNodeIo } from "../../../../src/node/io-host.ts";
import { CancelledError, createTask, getRunningLoop, sleep, type EventLoop } from "../../../../src/runtime/index.ts";
import { heldCount } from "../../../../src/runtime/io/loop-resources.ts";

installNodeIo();

/** The handle kinds a socket, a server, a pipe or a child process keeps open in Node. */
const IO_KINDS = new Set(["TCPSocketWrap", "TCPServerWrap", "TCPWrap", "PipeWrap", "ProcessWrap", "TTYWrap"]);

function openIo(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => IO_KINDS.has(kind)).sort();
}

/**
 * Runs `body` (which calls `run()`) and asserts that afterwards the loop holds nothing and
 * the process has no more sockets, servers, pipes or processes than before.
 */
export async function withoutLeaks<T>(body: (loops: EventLoop[]) => Promise<T>): Promise<T> {
  const before = openIo();
  const loops: EventLoop[] = [];
  const result = await body(loops);
  for (const loop of loops) expect(heldCount(loop), "resources the loop still holds").toBe(0);
  // A handle closed by run() leaves Node's list once Node has run its close callbacks: a
  // few turns of Node's loop. A leak stays however long we look.
  const deadline = Date.now() + 2000;
  while (JSON.stringify(openIo()) !== JSON.stringify(before) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(openIo()).toEqual(before);
  return result;
}

/** The running loop, remembered so `withoutLeaks` can check it after `run()`. */
export function remember(loops: EventLoop[]): EventLoop {
  const loop = getRunningLoop();
  loops.push(loop);
  return loop;
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

/**
 * Runs `body` as a task, cancels it after `turns` turns of the loop (it is then inside its
 * await), and says how it ended: "finished", "cancelled", or the error it raised.
 */
export function* outcomeWhenCancelled(body: () => Generator<unknown, unknown, unknown>, turns: number): Generator<unknown, string, unknown> {
  const task = createTask(body);
  for (let k = 0; k < turns; k++) yield* sleep(0);
  task.cancel();
  try {
    yield* task;
    return "finished";
  } catch (e) {
    return e instanceof CancelledError ? "cancelled" : String(e);
  }
}
