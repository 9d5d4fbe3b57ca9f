/**
 * How long the timeline's recent frames took to draw: the benchmark and the automation API
 * read it to check the 16 ms budget while zooming and panning.
 */
const CAPACITY = 600;

export class FrameTimes {
  private readonly samples = new Float64Array(CAPACITY);
  private count = 0;
  /** Frames drawn since the start. */
  total = 0;
  /** performance.now() when the first and the last frame were finished; null before any. */
  firstAt: number | null = null;
  lastAt: number | null = null;

  add(ms: number): void {
    this.lastAt = performance.now();
    this.firstAt ??= this.lastAt;
    this.samples[this.count % CAPACITY] = ms;
    this.count++;
    this.total++;
  }

  /** Forgets the samples so far (the frame count stays). */
  reset(): void {
    this.count = 0;
  }

  /** The samples kept, oldest first. */
  list(): number[] {
    const n = Math.min(this.count, CAPACITY);
    const out: number[] = [];
    for (let k = this.count - n; k < this.count; k++) out.push(this.samples[k % CAPACITY]!);
    return out;
  }
}
