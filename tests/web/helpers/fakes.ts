// Fakes of the WASM core for unit tests of the pure pipeline. The real core is exercised by the
// Node integration test and the Chromium e2e tests.
import type { CoreEvent, CoreWindow, DeciderInput, DeciderLike, DeciderOutput, FrontEndLike } from '../../../web/src/core.js';
import type { ModelName, Probs } from '../../../web/src/labels.js';

/** Windows like the real StreamFrontEnd (16 kHz input only): data = the raw samples of the window. */
export class FakeFrontEnd implements FrontEndLike {
  buf: number[] = [];
  queue: CoreWindow[] = [];
  nextY = 0; // next yamnet window start (samples)
  nextW = 0;
  constructor(readonly cfg = { yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2: true }) {}
  push(x: Float32Array): number {
    for (const v of x) this.buf.push(v);
    this.scan(false);
    return this.queue.length;
  }
  private scan(flush: boolean) {
    const n = this.buf.length;
    const make = (model: 'yamnet' | 'wav2vec2', s: number, len: number) => {
      const data = new Float32Array(len);
      for (let i = 0; i < len; i++) data[i] = this.buf[s + i] ?? 0;
      this.queue.push({ model, start: s / 16000, end: (s + len) / 16000, data });
    };
    for (;;) {
      const yOk = this.cfg.yamnet && this.nextY + this.cfg.yWin <= n;
      const wOk = this.cfg.wav2vec2 && this.nextW + this.cfg.wWin <= n;
      if (!yOk && !wOk) break;
      // emit in order of end time
      const yEnd = yOk ? this.nextY + this.cfg.yWin : Infinity;
      const wEnd = wOk ? this.nextW + this.cfg.wWin : Infinity;
      if (yEnd <= wEnd) { make('yamnet', this.nextY, this.cfg.yWin); this.nextY += this.cfg.yHop; }
      else { make('wav2vec2', this.nextW, this.cfg.wWin); this.nextW += this.cfg.wHop; }
    }
    if (flush && this.cfg.yamnet && this.nextY < n) { make('yamnet', this.nextY, this.cfg.yWin); this.nextY = n; }
    // Like the core: an end-aligned Wav2Vec2 tail window of min(window, stream) samples.
    if (flush && this.cfg.wav2vec2 && (this.nextW === 0 || this.nextW - this.cfg.wHop + this.cfg.wWin < n)) {
      const len = Math.min(this.cfg.wWin, n);
      make('wav2vec2', n - len, len);
      this.nextW = n;
    }
  }
  pop() { return this.queue.shift() ?? null; }
  flush() { this.scan(true); return this.queue.length; }
  reset() { this.buf = []; this.queue = []; this.nextY = 0; this.nextW = 0; }
}

/** Mean fusion, no smoothing, hysteresis events without min duration. Records its inputs. */
export class FakeDecider implements DeciderLike {
  inputs: DeciderInput[] = [];
  open: Record<'cry' | 'scream', { start: number; peak: number; sum: number; n: number } | null> = { cry: null, scream: null };
  constructor(readonly on = 0.6, readonly off = 0.4) {}
  update(input: DeciderInput): DeciderOutput {
    this.inputs.push(input);
    const present = [input.yamnet, input.wav2vec2].filter(Boolean) as Float32Array[];
    if (!present.length) throw new Error('no model');
    const fused = [0, 1, 2].map((i) => present.reduce((s, p) => s + p[i], 0) / present.length) as Probs;
    const events: CoreEvent[] = [];
    (['cry', 'scream'] as const).forEach((label, i) => {
      const o = this.open[label];
      if (!o && fused[i] >= this.on) {
        this.open[label] = { start: input.time - 1, peak: fused[i], sum: fused[i], n: 1 };
        events.push({ type: 'onset', label, start: input.time - 1, peak: fused[i], mean: fused[i] });
      } else if (o && fused[i] < this.off) {
        events.push({ type: 'offset', label, start: o.start, end: input.time, peak: o.peak, mean: o.sum / o.n });
        this.open[label] = null;
      } else if (o) { o.peak = Math.max(o.peak, fused[i]); o.sum += fused[i]; o.n++; }
    });
    return { time: input.time, fused, smoothed: fused, method: 'mean', models: [input.yamnet && 'yamnet', input.wav2vec2 && 'wav2vec2'].filter(Boolean) as ModelName[], degraded: present.length === 1, events };
  }
  flush(time: number) {
    const events: CoreEvent[] = [];
    for (const label of ['cry', 'scream'] as const) {
      const o = this.open[label];
      if (o) events.push({ type: 'offset', label, start: o.start, end: time, peak: o.peak, mean: o.sum / o.n });
      this.open[label] = null;
    }
    return events;
  }
  reset() { this.inputs = []; this.open = { cry: null, scream: null }; }
}

/** A fake "model": loud windows (mean |x| > 0.5) are cry, value −1 means scream, else normal. */
export function fakeProbs(x: Float32Array): [number, number, number] {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  if (m > 0.5) return [0.9, 0.05, 0.05];
  if (m < -0.5) return [0.05, 0.9, 0.05];
  return [0.05, 0.05, 0.9];
}

export function signal(parts: [seconds: number, value: number][]): Float32Array {
  const total = parts.reduce((s, [d]) => s + Math.round(d * 16000), 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const [d, v] of parts) { const n = Math.round(d * 16000); out.fill(v, o, o + n); o += n; }
  return out;
}
