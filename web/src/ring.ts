// Single-producer / single-consumer float ring buffer over a SharedArrayBuffer.
// Producer: the AudioWorklet (never blocks, never allocates: drops and counts on overflow).
// Consumer: the Worker. Positions are stored modulo capacity; one slot stays empty so
// "full" and "empty" differ.
const WRITE = 0;
const READ = 1;
const DROPPED = 2;
const HEADER_BYTES = 16;

export class SampleRing {
  readonly header: Int32Array;
  readonly data: Float32Array;
  readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    this.header = new Int32Array(buffer, 0, 4);
    this.data = new Float32Array(buffer, HEADER_BYTES);
    this.capacity = this.data.length;
  }

  static create(capacity: number): SampleRing {
    return new SampleRing(new SharedArrayBuffer(HEADER_BYTES + capacity * 4));
  }

  available(): number {
    const w = Atomics.load(this.header, WRITE);
    const r = Atomics.load(this.header, READ);
    return (w - r + this.capacity) % this.capacity;
  }

  /** Writes what fits; returns the number of samples dropped. */
  write(x: Float32Array): number {
    const cap = this.capacity;
    const w = Atomics.load(this.header, WRITE);
    const r = Atomics.load(this.header, READ);
    const free = (r - w - 1 + cap) % cap;
    const n = Math.min(free, x.length);
    const first = Math.min(n, cap - w);
    this.data.set(x.subarray(0, first), w);
    if (n > first) this.data.set(x.subarray(first, n), 0);
    Atomics.store(this.header, WRITE, (w + n) % cap);
    const dropped = x.length - n;
    if (dropped) Atomics.add(this.header, DROPPED, dropped);
    Atomics.notify(this.header, WRITE);
    return dropped;
  }

  /** Reads everything available into a new array. */
  read(): Float32Array {
    const cap = this.capacity;
    const w = Atomics.load(this.header, WRITE);
    const r = Atomics.load(this.header, READ);
    const n = (w - r + cap) % cap;
    const out = new Float32Array(n);
    const first = Math.min(n, cap - r);
    out.set(this.data.subarray(r, r + first), 0);
    if (n > first) out.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.header, READ, (r + n) % cap);
    return out;
  }

  /** Samples the producer had to drop because the consumer fell behind. */
  dropped(): number {
    return Atomics.load(this.header, DROPPED);
  }

  /** Index of the write cursor in header (for Atomics.waitAsync). */
  static readonly WRITE_INDEX = WRITE;
}
