/**
 * The store as Preact state: the person's own commands (record, stop, load…), which change
 * the phase or the session, show at once; batches streaming in re-render at most every
 * RENDER_INTERVAL_MS — or less often when rebuilding the view costs more, so a live session
 * of a hundred thousand tasks keeps the panel responsive (the view then spends at most a
 * fifth of the time rebuilding).
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { RecordingStore, StoreSnapshot } from "./recording-store.ts";
import type { Trace } from "../trace/model.ts";

const RENDER_INTERVAL_MS = 100;
const MAX_SHARE_OF_TIME = 0.2;

export interface StoreState {
  readonly snapshot: StoreSnapshot;
  readonly trace: Trace | null;
}

export function useStore(store: RecordingStore): StoreState {
  const [state, setState] = useState<StoreState>(() => ({ snapshot: store.snapshot(), trace: store.trace() }));
  const updateStarted = useRef(0);
  const lastCost = useRef(0);
  // After the render an update caused: how long taking the trace and rendering took.
  useLayoutEffect(() => {
    if (updateStarted.current === 0) return;
    lastCost.current = performance.now() - updateStarted.current;
    updateStarted.current = 0;
  });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let shown = store.snapshot();
    const update = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      updateStarted.current = performance.now();
      shown = store.snapshot();
      setState({ snapshot: shown, trace: store.trace() });
    };
    const unsubscribe = store.subscribe(() => {
      const next = store.snapshot();
      if (next.phase !== shown.phase || next.session !== shown.session || next.loaded !== shown.loaded) update();
      else timer ??= setTimeout(update, Math.max(RENDER_INTERVAL_MS, lastCost.current / MAX_SHARE_OF_TIME));
    });
    update();
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store]);
  return state;
}
