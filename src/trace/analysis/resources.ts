/**
 * Wait time per lock, semaphore, queue, event…: from the awaits that name a resource, plus
 * the operations each resource reported. I/O waits join them grouped by kind and peer: time
 * blocked reading from or draining to each connection, on each worker function, each process.
 */
import { IO_AWAIT_KINDS, RESOURCE_AWAIT_KINDS, type Trace } from "../model.ts";
import { CHECK, inOneGo, NEVER, type Pause } from "./pause.ts";
import { us } from "./trace-index.ts";

export interface ResourceWaitStats {
  /** The resource, or null when the await did not name one (then `label` groups them). */
  readonly resource: number | null;
  readonly kind: string;
  readonly label: string;
  readonly waits: number;
  /** Awaits still waiting at the end of the trace. */
  readonly pending: number;
  /** Summed wait time (pending waits count until the end). */
  readonly totalWait: number;
  readonly maxWait: number;
  readonly meanWait: number;
  /** How many operations of each kind (acquire, put…) the resource reported. */
  readonly ops: Readonly<Record<string, number>>;
}

export function resourceWaits(trace: Trace): ResourceWaitStats[] {
  return inOneGo(resourceWaitsBuild(trace, NEVER));
}

/** resourceWaits, pausing (yielding) whenever `pause` says so (see pause.ts). */
export function* resourceWaitsBuild(trace: Trace, pause: Pause): Generator<void, ResourceWaitStats[], void> {
  interface Acc { resource: number | null; kind: string; label: string; waits: number; pending: number; total: number; max: number; ops: Record<string, number> }
  const byKey = new Map<string, Acc>();
  const resources = new Map(trace.resources.map((r) => [r.id, r]));
  const accFor = (resource: number | null, kind: string, label: string): Acc => {
    const key = resource !== null ? `#${resource}` : `${kind}|${label}`;
    let acc = byKey.get(key);
    if (acc === undefined) byKey.set(key, (acc = { resource, kind, label, waits: 0, pending: 0, total: 0, max: 0, ops: {} }));
    return acc;
  };
  for (const r of trace.resources) accFor(r.id, r.kind, r.label);
  for (let k = 0; k < trace.awaits.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const a = trace.awaits[k]!;
    if (a.resource === null && !RESOURCE_AWAIT_KINDS.has(a.kind) && !IO_AWAIT_KINDS.has(a.kind)) continue;
    const known = a.resource !== null ? resources.get(a.resource) : undefined;
    const acc = accFor(a.resource, known?.kind ?? a.kind, known?.label ?? a.label);
    const wait = (a.end ?? trace.end) - a.start;
    acc.waits++;
    if (a.end === null) acc.pending++;
    acc.total += wait;
    if (wait > acc.max) acc.max = wait;
  }
  for (let k = 0; k < trace.resourceOps.length; k++) {
    if ((k & CHECK) === 0 && pause.due()) yield;
    const op = trace.resourceOps[k]!;
    const r = resources.get(op.resource)!;
    const acc = accFor(r.id, r.kind, r.label);
    acc.ops[op.op] = (acc.ops[op.op] ?? 0) + 1;
  }
  return [...byKey.values()]
    .map((acc) => ({
      resource: acc.resource, kind: acc.kind, label: acc.label, waits: acc.waits, pending: acc.pending,
      totalWait: us(acc.total), maxWait: us(acc.max), meanWait: acc.waits > 0 ? us(acc.total / acc.waits) : 0, ops: acc.ops,
    }))
    .sort((x, y) => y.totalWait - x.totalWait || y.waits - x.waits || (x.resource ?? -1) - (y.resource ?? -1) || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
}
