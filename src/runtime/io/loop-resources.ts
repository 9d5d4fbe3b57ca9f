/**
 * What a loop's I/O holds open — its worker pool, sockets, servers, processes — so `run()`
 * can release it before it returns: a program that forgot to close a connection or to wait
 * for a process does not keep Node alive, nor leak workers into a page. (asyncio.run shuts
 * its default executor down the same way; here streams and processes are included.)
 */
import type { EventLoop } from "../event-loop.ts";

/** Something the host keeps open for a loop. `release` ends it and settles once it is gone. */
export interface LoopResource {
  release(): Promise<void>;
}

const resourcesByLoop = new WeakMap<EventLoop, Set<LoopResource>>();

export function holdForLoop(loop: EventLoop, resource: LoopResource): void {
  let held = resourcesByLoop.get(loop);
  if (held === undefined) {
    held = new Set();
    resourcesByLoop.set(loop, held);
  }
  held.add(resource);
}

export function letGoForLoop(loop: EventLoop, resource: LoopResource): void {
  resourcesByLoop.get(loop)?.delete(resource);
}

/** How many resources `loop` still holds (tests assert none are left). */
export function heldCount(loop: EventLoop): number {
  return resourcesByLoop.get(loop)?.size ?? 0;
}

/**
 * Releases everything `loop` still holds and waits until it is gone. Called by `run()`
 * after its tasks are cancelled and before the loop closes. A failure to release one
 * resource does not stop the others.
 */
export async function releaseLoopResources(loop: EventLoop): Promise<void> {
  const held = resourcesByLoop.get(loop);
  if (held === undefined || held.size === 0) return;
  const resources = [...held];
  held.clear();
  await Promise.allSettled(resources.map((resource) => resource.release()));
}
