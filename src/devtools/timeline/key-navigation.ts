/**
 * W/A/S/D navigation as in the Performance panel: while a key is held, the timeline zooms in
 * (W) or out (S) and pans left (A) or right (D), smoothly, once per animation frame, at a
 * speed independent of the frame rate. Keys typed into a text field are left alone.
 */
const ZOOM_PER_SECOND = 2.2;
const PAN_PER_SECOND = 0.9;

function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export class KeyNavigation {
  private readonly held = new Set<string>();
  private frame = 0;
  private last = 0;
  /** Off while the timeline is hidden (e.g. the statistics view is shown). */
  enabled = true;

  /** `apply(zoom, pan)`: zoom as a log factor (< 0 zooms in), pan as a fraction of the window. */
  constructor(private readonly apply: (zoom: number, pan: number) => void) {}

  keyDown(event: KeyboardEvent): void {
    if (!this.enabled || event.ctrlKey || event.metaKey || event.altKey || isTextInput(event.target)) return;
    const key = event.key.toLowerCase();
    if (!["w", "a", "s", "d"].includes(key)) return;
    event.preventDefault();
    if (this.held.has(key)) return;
    this.held.add(key);
    if (this.frame === 0) {
      this.last = performance.now();
      // A tap moves a little even if no frame follows before the key is released.
      this.step(1000 / 60);
      this.frame = requestAnimationFrame((now) => this.tick(now));
    }
  }

  keyUp(event: KeyboardEvent): void {
    this.held.delete(event.key.toLowerCase());
    if (this.held.size === 0) this.stop();
  }

  stop(): void {
    this.held.clear();
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private tick(now: number): void {
    const elapsed = Math.min(100, now - this.last);
    this.last = now;
    this.step(elapsed);
    this.frame = this.held.size > 0 ? requestAnimationFrame((t) => this.tick(t)) : 0;
  }

  private step(elapsedMs: number): void {
    const seconds = elapsedMs / 1000;
    let zoom = 0;
    let pan = 0;
    if (this.held.has("w")) zoom -= ZOOM_PER_SECOND * seconds;
    if (this.held.has("s")) zoom += ZOOM_PER_SECOND * seconds;
    if (this.held.has("a")) pan -= PAN_PER_SECOND * seconds;
    if (this.held.has("d")) pan += PAN_PER_SECOND * seconds;
    this.apply(zoom, pan);
  }
}
