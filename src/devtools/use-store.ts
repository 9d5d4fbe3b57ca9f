/**
 * The store as Preact state: the person's own commands (record, stop, load…), which change
 * the phase or the session, show at once; batches streaming in re-render at most every
 * RENDER_INTERVAL_MS — or less often when updating the view costs more, so a live session
 * of a hundred thousand tasks keeps the panel responsive (the view then spends at most a
 * fifth of the time updating).
 *
 * A streaming update takes the session's snapshot in one task and renders it in the next:
 * at a hundred thousand tasks each costs tens of milliseconds, and together they would
 * hold the panel's thread past a frame. With a `pace`, a streaming update also waits for the
 * timeline's model build under way to end (session/snapshot-pace.ts).
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { RecordingStore, StoreSnapshot } from "./recording-store.ts";
import type { Trace } from "../trace/model.ts";
import type { SnapshotPace } from "./session/snapshot-pace.ts";

const RENDER_INTERVAL_MS = 100;
const MAX_SHARE_OF_TIME = 0.2;

export interface StoreState {
  readonly snapshot: StoreSnapshot;
  readonly trace: Trace | null;
}

export function useStore(store: RecordingStore, pace: SnapshotPace | null = null): StoreState {
  const [state, setState] = useState<StoreState>(() => ({ snapshot: store.snapshot(), trace: store.trace() }));
  /** When the render of the last update began, and what taking its snapshot cost (ms). */
  const renderStarted = useRef(0);
  const takeCost = useRef(0);
  const lastCost = useRef(0);
  // After the render an update caused: how long taking the trace and rendering took.
  useLayoutEffect(() => {
    if (renderStarted.current === 0) return;
    lastCost.current = takeCost.current + performance.now() - renderStarted.current;
    renderStarted.current = 0;
  });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let showTimer: ReturnType<typeof setTimeout> | null = null;
    /** Set while a streaming update waits for the model build under way (see `pace`). */
    let cancelWait: (() => void) | null = null;
    let waiting = false;
    let shown = store.snapshot();
    const show = (next: StoreState, cost: number): void => {
      takeCost.current = cost;
      renderStarted.current = performance.now();
      setState(next);
    };
    const cancel = (): void => {
      if (timer !== null) clearTimeout(timer);
      if (showTimer !== null) clearTimeout(showTimer);
      cancelWait?.();
      timer = null;
      showTimer = null;
      cancelWait = null;
      waiting = false;
    };
    // A command: taken and shown at once (a streaming update under way is dropped: this one is newer).
    const update = (): void => {
      cancel();
      const started = performance.now();
      shown = store.snapshot();
      show({ snapshot: shown, trace: store.trace() }, performance.now() - started);
    };
    // Batches: the snapshot now (or once the model build under way is done), shown in the next task.
    const stream = (): void => {
      timer = null;
      if (pace === null) {
        take();
        return;
      }
      waiting = true;
      const cancelThis = pace.whenReady(take);
      if (waiting) cancelWait = cancelThis; // not taken at once
    };
    const take = (): void => {
      waiting = false;
      cancelWait = null;
      const started = performance.now();
      const next = { snapshot: store.snapshot(), trace: store.trace() };
      const cost = performance.now() - started;
      if (showTimer !== null) clearTimeout(showTimer); // an older snapshot not shown yet: this one replaces it
      showTimer = setTimeout(() => {
        showTimer = null;
        shown = next.snapshot;
        show(next, cost);
      }, 0);
    };
    const unsubscribe = store.subscribe(() => {
      const next = store.snapshot();
      if (next.phase !== shown.phase || next.session !== shown.session || next.loaded !== shown.loaded) update();
      else if (!waiting) timer ??= setTimeout(stream, Math.max(RENDER_INTERVAL_MS, lastCost.current / MAX_SHARE_OF_TIME));
    });
    update();
    return () => {
      unsubscribe();
      cancel();
    };
  }, [store, pace]);
  return state;
}
