/**
 * A growable UTF-8 byte buffer for writing large JSON documents without making a string per
 * value: a million-event Chrome export written as strings spends most of its time
 * collecting garbage. Numbers are written digit by digit; constant pieces are encoded once.
 */
const encoder = new TextEncoder();

export class ByteWriter {
  private buffer: Uint8Array<ArrayBuffer>;
  private length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buffer = new Uint8Array(Math.max(16, initialBytes));
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** Pre-encoded bytes (see `encode`). */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    // A plain loop beats TypedArray.set for the short pieces most events are made of.
    if (n < 48) {
      const buffer = this.buffer;
      let at = this.length;
      for (let k = 0; k < n; k++) buffer[at++] = bytes[k]!;
      this.length = at;
      return;
    }
    this.buffer.set(bytes, this.length);
    this.length += n;
  }

  /** Any text, UTF-8 encoded. */
  text(value: string): void {
    this.ensure(value.length * 3);
    this.length += encoder.encodeInto(value, this.buffer.subarray(this.length)).written;
  }

  /** A non-negative or negative integer below 2^53, digit by digit. */
  int(value: number): void {
    this.ensure(17);
    let n = value;
    if (n < 0) {
      this.buffer[this.length++] = 45; // "-"
      n = -n;
    }
    if (n < 10) {
      this.buffer[this.length++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    while (n >= 1) {
      const q = Math.floor(n / 10);
      this.buffer[--at] = 48 + (n - q * 10);
      n = q;
    }
  }

  /**
   * A number as JSON. Times in a trace are whole µs over 1000: written as `123.456` they
   * parse back to the very same double (both directions round correctly).
   */
  number(value: number): void {
    if (Number.isSafeInteger(value)) {
      this.int(value);
      return;
    }
    const us = Math.round(value * 1000);
    if (Number.isSafeInteger(us) && us / 1000 === value) {
      let abs = us;
      if (abs < 0) {
        this.ensure(1);
        this.buffer[this.length++] = 45;
        abs = -abs;
      }
      const whole = Math.floor(abs / 1000);
      let fraction = abs - whole * 1000;
      this.int(whole);
      this.ensure(4);
      this.buffer[this.length++] = 46; // "."
      let width = 3;
      while (fraction % 10 === 0) {
        fraction /= 10;
        width--;
      }
      for (let k = width - 1, f = fraction; k >= 0; k--, f = Math.floor(f / 10)) this.buffer[this.length + k] = 48 + (f % 10);
      this.length += width;
      return;
    }
    this.text(Number.isFinite(value) ? String(value) : "null");
  }

  /** `value` or JSON null. */
  numberOrNull(value: number | null): void {
    if (value === null) this.bytes(NULL);
    else this.number(value);
  }

  /** The written bytes (a view, valid until the next write). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buffer.subarray(0, this.length);
  }

  toString(): string {
    return new TextDecoder().decode(this.view());
  }
}

export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

const NULL = encode("null");
