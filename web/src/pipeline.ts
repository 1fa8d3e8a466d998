// The frame processor: a pure state machine from audio samples to typed events.
//   samples → StreamFrontEnd (core) → model functions → Decider (core) → PipelineEvent[]
// It knows nothing about browsers, workers or ONNX Runtime: models are plain async functions,
// so it is unit-tested with fakes and driven by the real core + ORT in the worker and in Node.
import type { CoreEvent, CoreWindow, DeciderLike, DeciderOutput, FrontEndLike } from './core.js';
import type { ModelName, Probs } from './labels.js';
import type { AudioSetLabel, ClipResult, DetectionEvent, WindowResult } from './types.js';
import { summarize } from './clip-summary.js';
import { LevelGate } from './level-gate.js';

/**
 * What the Decider receives for a window the level gate skipped: the model's output stands in as
 * "certainly normal" (cry 0, scream 0, normal 1). Why a fixed output rather than skipping the
 * decision: the Decider keeps deciding on its grid, so
 *   * EMA smoothing decays towards 0 in a quiet room as it would on the models' (near-normal)
 *     output for room tone, only a little faster; median smoothing fills with normal;
 *   * an open episode closes through the hysteresis' `off` threshold and min-duration/cooldown
 *     timing as usual (skipping decisions would freeze the smoothed value above `off` and leave
 *     the episode open until the next sound);
 *   * decision times stay on the hop grid (no gaps in the window stream).
 * The cost: quiet windows are scored "normal" without looking, so a cry quieter than the gate's
 * threshold is not detected (choose the threshold well below a cry near the device: web/README.md).
 */
export const GATED_PROBS: Probs = [0, 0, 1];

export interface YamnetOutput {
  /** Three-class probabilities. */
  probs: ArrayLike<number>;
  /** 521 AudioSet scores (optional; used for top labels). */
  scores?: ArrayLike<number>;
}
/** Runs YAMNet on a batch of [96,64] patches. */
export type YamnetFn = (patches: Float32Array[]) => Promise<YamnetOutput[]>;
/** Runs Wav2Vec2 on a batch of normalised waveforms; returns three-class probabilities per input. */
export type Wav2vec2Fn = (waves: Float32Array[]) => Promise<ArrayLike<number>[]>;

export interface PipelineDeps {
  frontEnd: FrontEndLike;
  decider: DeciderLike;
  models: { yamnet?: YamnetFn; wav2vec2?: Wav2vec2Fn };
  /** Window lengths and hops in seconds (must match the front-end's configuration). */
  timing: { yamnetWindow: number; yamnetHop: number; wav2vec2Window: number; wav2vec2Hop: number };
  /** AudioSet display names (521) for top labels; omit to skip them. */
  audiosetLabels?: string[];
  /** Number of top AudioSet labels per window (default 3). */
  topK?: number;
  /**
   * Stateless fusion of one YAMNet and one Wav2Vec2 window (raw fused probabilities, no smoothing).
   * Used for the file-level ensemble, which follows the models' evaluation rule (see fileEnsemble).
   * Omit to fall back to the mean of the streamed decisions' fused values.
   */
  fuse?: (yamnet: Probs, wav2vec2: Probs) => Probs;
  /**
   * True when the fusion gives Wav2Vec2 no say (Engine.wav2vec2Matters() false: a weighted mean with its
   * weight 0): the file-level ensemble is then YAMNet's own windows, as live listening's cascade decides
   * on them, not YAMNet's windows re-sampled on Wav2Vec2's grid (see fileEnsemble). Default false.
   */
  ensembleIsYamnet?: boolean;
  /** Called with the wall time of each stage call (the benchmark's StageStats); omit for no timing. */
  onTiming?: (t: StageTiming) => void;
  /** Windows a clip's verdict is taken from (the manifest's clip_summary.windows; see clip-summary.ts). */
  clipTopWindows: number;
  /**
   * Input-level gate (level-gate.ts): windows of a quiet room are not sent to the models and the
   * Decider receives GATED_PROBS for them. Omit for no gate (clip analysis always runs every window).
   */
  gate?: { sampleRate: number; thresholdDb: number; hangoverSeconds: number };
}

/**
 * One timed stage call: the front-end (push: `samples` pushed at the input rate; pop), one model
 * run on `windows` windows, or one Decider update.
 */
export type StageTiming =
  | { stage: 'frontEnd'; ms: number; samples: number }
  | { stage: ModelName; ms: number; windows: number }
  | { stage: 'decider'; ms: number };

export type PipelineEvent =
  | { type: 'window'; window: WindowResult }
  | { type: 'onset' | 'offset'; event: DetectionEvent }
  /** A model failed; the pipeline continues with the others (fusion falls back). */
  | { type: 'model-error'; model: ModelName; message: string }
  /** Input was repaired (e.g. NaN/Inf samples replaced by 0). */
  | { type: 'warning'; message: string };

interface ModelResult {
  tick: number;
  start: number;
  end: number;
  probs: Probs;
  top?: AudioSetLabel[];
  /** The level gate skipped the model for this window (probs = GATED_PROBS). */
  gated?: boolean;
}

interface ModelTrack {
  /** Decision-grid ticks between two windows of this model. */
  step: number;
  /** Tick of the model's first window. */
  firstTick: number;
  lastTick: number;
  queue: ModelResult[];
  latest: ModelResult | null;
}

const EPS = 1e-9;

export function toProbs(a: ArrayLike<number>): Probs {
  if (!a || a.length !== 3) throw new Error(`expected 3 probabilities, got ${a ? a.length : a}`);
  return [Number(a[0]), Number(a[1]), Number(a[2])];
}

export function topLabels(scores: ArrayLike<number>, names: string[] | undefined, k: number): AudioSetLabel[] {
  if (!names || k <= 0) return [];
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a]);
  return idx.slice(0, k).map((i) => ({ label: names[i] ?? `class ${i}`, score: Number(scores[i]) }));
}

/**
 * Pairs the two models' windows on a common hop grid and feeds the Decider.
 * Why a grid: the windows differ in length (0.975 s vs the manifest's Wav2Vec2 window) so their end times need not coincide;
 * each window is assigned the grid tick nearest its end, and a decision for tick k is made once
 * every active model has either reported tick ≥ k or cannot report at k (not started yet / between
 * its own hops — then its latest result is carried forward).
 */
export class FramePipeline {
  private readonly hop: number;
  private readonly tracks = new Map<ModelName, ModelTrack>();
  private emittedTick = -Infinity;
  /**
   * Every model window of the current clip (end in seconds, probs), for the file-level summary — kept only
   * after keepModelWindows() (classifyClip): a live stream runs all night and must not grow.
   */
  private log: Record<ModelName, { end: number; probs: Probs }[]> = { yamnet: [], wav2vec2: [] };
  private keepLog = false;
  private busy = false;
  private finished = false;
  private readonly gate: LevelGate | null;

  constructor(private readonly deps: PipelineDeps) {
    const t = deps.timing;
    const active = (Object.keys(deps.models) as ModelName[]).filter((m) => deps.models[m]);
    if (active.length === 0) throw new Error('FramePipeline needs at least one model function');
    if (!Number.isInteger(deps.clipTopWindows) || deps.clipTopWindows < 1) {
      throw new RangeError(`FramePipeline: clipTopWindows must be an integer >= 1, got ${deps.clipTopWindows}`);
    }
    this.hop = Math.min(active.includes('yamnet') ? t.yamnetHop : Infinity, active.includes('wav2vec2') ? t.wav2vec2Hop : Infinity);
    for (const m of active) {
      const hop = m === 'yamnet' ? t.yamnetHop : t.wav2vec2Hop;
      const win = m === 'yamnet' ? t.yamnetWindow : t.wav2vec2Window;
      this.tracks.set(m, { step: Math.max(1, Math.round(hop / this.hop)), firstTick: this.tick(win), lastTick: -Infinity, queue: [], latest: null });
    }
    this.gate = deps.gate
      ? new LevelGate({ ...deps.gate, maxWindowSeconds: Math.max(active.includes('yamnet') ? t.yamnetWindow : 0, active.includes('wav2vec2') ? t.wav2vec2Window : 0) })
      : null;
  }

  /** Windows the level gate was asked about and let through since the stream began (null: no gate). */
  get gateStats(): { windows: number; analysed: number } | null {
    return this.gate ? { windows: this.gate.asked, analysed: this.gate.opened } : null;
  }

  /** Windows a clip's verdict is taken from (see clip-summary.ts). */
  get clipTopWindows(): number {
    return this.deps.clipTopWindows;
  }

  /** Models still running (a model that failed is dropped). */
  get activeModels(): ModelName[] {
    return [...this.tracks.keys()];
  }

  private tick(seconds: number): number {
    return Math.round(seconds / this.hop + EPS);
  }

  /** Feeds audio at the front-end's input rate; resolves with the events it caused. */
  async process(samples: Float32Array): Promise<PipelineEvent[]> {
    if (this.finished) throw new Error('pipeline already finished; call reset() first');
    const out: PipelineEvent[] = [];
    let bad = 0;
    for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) bad++;
    if (bad > 0) {
      samples = samples.map((v) => (Number.isFinite(v) ? v : 0));
      out.push({ type: 'warning', message: `${bad} non-finite samples (NaN/Inf) replaced by silence` });
    }
    await this.exclusive(async () => {
      this.timed(() => {
        this.deps.frontEnd.push(samples);
        this.gate?.push(samples);
      }, (ms) => ({ stage: 'frontEnd', ms, samples: samples.length }));
      await this.drain(out);
      this.emitReady(out, false);
    });
    return out;
  }

  /** Ends the stream: flushes the front-end tail, emits all pending decisions and closes open episodes. */
  async finish(): Promise<PipelineEvent[]> {
    const out: PipelineEvent[] = [];
    await this.exclusive(async () => {
      this.deps.frontEnd.flush();
      this.gate?.flush();
      await this.drain(out);
      const last = this.emitReady(out, true);
      for (const e of this.deps.decider.flush(last)) out.push(toEvent(e));
      this.finished = true;
    });
    return out;
  }

  reset(): void {
    this.deps.frontEnd.reset();
    this.deps.decider.reset();
    this.gate?.reset();
    for (const t of this.tracks.values()) Object.assign(t, { lastTick: -Infinity, queue: [], latest: null });
    this.emittedTick = -Infinity;
    this.log = { yamnet: [], wav2vec2: [] };
    this.lastTime = 0;
    this.finished = false;
  }

  /** Keep every model window from now on, for fileEnsemble() and modelWindows() (whole clips, not live streams). */
  keepModelWindows(): void {
    this.keepLog = true;
  }

  /** Every window of each model since keepModelWindows(), in stream order (the models' evaluation rows). */
  modelWindows(): Record<ModelName, Probs[]> {
    return { yamnet: this.log.yamnet.map((w) => w.probs), wav2vec2: this.log.wav2vec2.map((w) => w.probs) };
  }

  /**
   * The file-level ensemble's rows, by the rule of the models' Python evaluation (evaluate.py
   * ensemble_windows): with deps.ensembleIsYamnet, YAMNet's own windows; otherwise raw (unsmoothed)
   * fused probabilities, one per Wav2Vec2 window, each fused with the YAMNet window whose end is
   * nearest (the earlier one on a tie).
   * Why not the streamed decisions: those sit on a hop grid, so at a clip's end the hop-aligned and
   * the end-aligned windows share a tick and only the latest of each model is decided, and the
   * tail carries results forward — both give the file mean other rows than the evaluation's.
   * Returns null when a model the rule needs produced no window, or pairs are needed and no fusion
   * function was given.
   */
  fileEnsemble(): Probs[] | null {
    const { yamnet, wav2vec2 } = this.log;
    if (this.deps.ensembleIsYamnet) return yamnet.length ? yamnet.map((w) => w.probs) : null;
    if (!this.deps.fuse || yamnet.length === 0 || wav2vec2.length === 0) return null;
    return wav2vec2.map((w) => {
      let best = yamnet[0];
      for (const y of yamnet) if (Math.abs(y.end - w.end) < Math.abs(best.end - w.end) - EPS) best = y;
      return this.deps.fuse!(best.probs, w.probs);
    });
  }

  /** Runs fn, reporting its wall time to deps.onTiming when there is one. */
  private timed<R>(fn: () => R, timing: (ms: number) => StageTiming): R {
    if (!this.deps.onTiming) return fn();
    const t = performance.now();
    const r = fn();
    this.deps.onTiming(timing(performance.now() - t));
    return r;
  }

  private async timedAsync<R>(fn: () => Promise<R>, timing: (ms: number) => StageTiming): Promise<R> {
    if (!this.deps.onTiming) return fn();
    const t = performance.now();
    const r = await fn();
    this.deps.onTiming(timing(performance.now() - t));
    return r;
  }

  private async exclusive(fn: () => Promise<void>): Promise<void> {
    if (this.busy) throw new Error('pipeline.process/finish called concurrently; await the previous call');
    this.busy = true;
    try {
      await fn();
    } finally {
      this.busy = false;
    }
  }

  /** Pops every ready window and runs the models on them in batches per model. */
  private async drain(out: PipelineEvent[]): Promise<void> {
    const byModel: Record<ModelName, CoreWindow[]> = { yamnet: [], wav2vec2: [] };
    const pop = () => this.timed(() => this.deps.frontEnd.pop(), (ms) => ({ stage: 'frontEnd', ms, samples: 0 }));
    for (let w = pop(); w; w = pop()) {
      if (!this.tracks.has(w.model)) continue;
      if (this.gate && !this.gate.isOpen(w.start, w.end)) this.skip(w);
      else byModel[w.model].push(w);
    }
    // Both models at once: when Wav2Vec2 runs in its own Worker this uses a second core; with both
    // in one ORT instance the runs simply queue. Results land in per-model tracks, so the order in
    // which the two finish does not matter.
    const runs: Promise<void>[] = [];
    if (byModel.yamnet.length && this.tracks.has('yamnet')) {
      runs.push(this.run('yamnet', byModel.yamnet, out, async (ws) => {
        const res = await this.timedAsync(() => this.deps.models.yamnet!(ws.map((w) => w.data)), (ms) => ({ stage: 'yamnet', ms, windows: ws.length }));
        return res.map((r) => ({ probs: toProbs(r.probs), top: r.scores ? topLabels(r.scores, this.deps.audiosetLabels, this.deps.topK ?? 3) : undefined }));
      }));
    }
    if (byModel.wav2vec2.length && this.tracks.has('wav2vec2')) {
      runs.push(this.run('wav2vec2', byModel.wav2vec2, out, async (ws) => {
        const res = await this.timedAsync(() => this.deps.models.wav2vec2!(ws.map((w) => w.data)), (ms) => ({ stage: 'wav2vec2', ms, windows: ws.length }));
        return res.map((r) => ({ probs: toProbs(r) }));
      }));
    }
    const settled = await Promise.allSettled(runs);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
  }

  /** A window the level gate skipped: GATED_PROBS in place of the model's output. */
  private skip(w: CoreWindow): void {
    const track = this.tracks.get(w.model)!;
    const tick = this.tick(w.end);
    track.queue.push({ tick, start: w.start, end: w.end, probs: GATED_PROBS, gated: true });
    track.lastTick = Math.max(track.lastTick, tick);
  }

  private async run(model: ModelName, windows: CoreWindow[], out: PipelineEvent[], infer: (ws: CoreWindow[]) => Promise<{ probs: Probs; top?: AudioSetLabel[] }[]>): Promise<void> {
    const track = this.tracks.get(model)!;
    let results: { probs: Probs; top?: AudioSetLabel[] }[];
    try {
      results = await infer(windows);
      if (results.length !== windows.length) throw new Error(`returned ${results.length} results for ${windows.length} windows`);
      for (const r of results) if (!r.probs.every(Number.isFinite)) throw new Error('returned non-finite probabilities');
    } catch (e) {
      // Drop the model and carry on with the other one: fusion falls back to the model present.
      this.tracks.delete(model);
      out.push({ type: 'model-error', model, message: e instanceof Error ? e.message : String(e) });
      if (this.tracks.size === 0) throw new Error(`all models failed; last error (${model}): ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    windows.forEach((w, i) => {
      const tick = this.tick(w.end);
      track.queue.push({ tick, start: w.start, end: w.end, probs: results[i].probs, top: results[i].top });
      track.lastTick = Math.max(track.lastTick, tick);
      // Pairing uses a YAMNet window's nominal end (start + 0.975 s, its zero-padded tail included),
      // as the Python evaluation does; the front-end reports a padded window's end clamped to the
      // stream end, which would pair the last Wav2Vec2 window with the wrong YAMNet window.
      const end = model === 'yamnet' ? w.start + this.deps.timing.yamnetWindow : w.end;
      if (this.keepLog) this.log[model].push({ end, probs: results[i].probs });
    });
  }

  private lastTime = 0;
  /** True while finish() emits the tail: the latest result of every model is used (stream ended). */
  private final = false;

  /** Emits decisions for every tick all active models agree is complete. Returns the last decision time. */
  private emitReady(out: PipelineEvent[], final: boolean): number {
    this.final = final;
    if (final) {
      // The front-end's flush may add windows that end before the last decision (e.g. the one
      // Wav2Vec2 window of a clip shorter than its window). Decide them once more after it.
      for (const t of this.tracks.values()) for (const r of t.queue) if (r.tick <= this.emittedTick) r.tick = this.emittedTick + 1;
    }
    for (;;) {
      // Next candidate: the smallest tick after the last decision that some model has a window for.
      let k = Infinity;
      for (const t of this.tracks.values()) for (const r of t.queue) if (r.tick > this.emittedTick) k = Math.min(k, r.tick);
      if (k === Infinity) break;
      if (!final) {
        let ready = true;
        for (const t of this.tracks.values()) {
          const next = t.lastTick === -Infinity ? t.firstTick : t.lastTick + t.step;
          if (!(t.lastTick >= k || next > k)) ready = false;
        }
        if (!ready) break;
      }
      this.decide(k, out);
    }
    return this.lastTime;
  }

  private decide(k: number, out: PipelineEvent[]): void {
    let start = Infinity;
    let end = -Infinity;
    const used: Partial<Record<ModelName, ModelResult>> = {};
    for (const [m, t] of this.tracks) {
      while (t.queue.length && t.queue[0].tick <= k) t.latest = t.queue.shift()!;
      // Carry a result forward only within the model's own hop; older means stale — except at the
      // end of the stream, where each model's last word is the freshest there will be.
      if (t.latest && (k - t.latest.tick < t.step || this.final)) {
        used[m] = t.latest;
        start = Math.min(start, t.latest.start);
        if (t.latest.tick === k) end = Math.max(end, t.latest.end);
      }
    }
    this.emittedTick = k;
    if (!used.yamnet && !used.wav2vec2) return;
    if (end === -Infinity) end = k * this.hop;
    end = Math.max(end, this.lastTime); // the Decider needs non-decreasing time
    const input = {
      time: end,
      yamnet: used.yamnet ? Float32Array.from(used.yamnet.probs) : null,
      wav2vec2: used.wav2vec2 ? Float32Array.from(used.wav2vec2.probs) : null,
    };
    const d: DeciderOutput = this.timed(() => this.deps.decider.update(input), (ms) => ({ stage: 'decider', ms }));
    this.lastTime = end;
    const window: WindowResult = {
      start, end,
      fused: toProbs(d.fused),
      smoothed: toProbs(d.smoothed),
      method: d.method,
      models: d.models,
    };
    // A gated window's stand-in output is not a model's: it is not reported as one.
    if (used.yamnet && !used.yamnet.gated) window.yamnet = used.yamnet.probs;
    if (used.wav2vec2 && !used.wav2vec2.gated) window.wav2vec2 = used.wav2vec2.probs;
    if (Object.values(used).every((r) => r.gated)) window.gated = true;
    if (used.yamnet?.top && used.yamnet.top.length) window.topAudioSet = used.yamnet.top;
    out.push({ type: 'window', window });
    for (const e of d.events) out.push(toEvent(e));
  }
}

function toEvent(e: CoreEvent): PipelineEvent {
  const ev: DetectionEvent = { type: e.type, label: e.label, start: e.start, peak: e.peak };
  if (e.end !== undefined && e.end !== null) ev.end = e.end;
  if (e.mean !== undefined && e.mean !== null) ev.mean = e.mean;
  return { type: e.type, event: ev };
}

/** Validates a clip before analysis: clear errors for empty, non-finite or absurd input. */
export function checkClip(samples: Float32Array, sampleRate: number, maxSeconds = 3600): void {
  if (!(samples instanceof Float32Array)) throw new TypeError('samples must be a Float32Array');
  // The core's resampler takes integer rates from 8 to 96 kHz (every common device/file rate).
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 96000) {
    throw new RangeError(`sampleRate must be an integer between 8000 and 96000 Hz, got ${sampleRate}`);
  }
  if (samples.length === 0) throw new RangeError('no usable audio: the clip is empty');
  if (samples.length / sampleRate > maxSeconds) throw new RangeError(`clip is ${(samples.length / sampleRate).toFixed(0)} s long; the limit is ${maxSeconds} s`);
  let bad = 0;
  for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i])) bad++;
  if (bad) throw new RangeError(`audio contains ${bad} non-finite samples (NaN/Inf)`);
}

/** Runs a whole clip through a fresh pipeline. Feeds in 1 s chunks so memory stays flat. */
export async function classifyClip(pipeline: FramePipeline, samples: Float32Array, sampleRate: number, onProgress?: (fraction: number) => void): Promise<ClipResult & { warnings: string[] }> {
  checkClip(samples, sampleRate);
  pipeline.keepModelWindows();
  const windows: WindowResult[] = [];
  const events: DetectionEvent[] = [];
  const warnings: string[] = [];
  const collect = (evs: PipelineEvent[]) => {
    for (const e of evs) {
      if (e.type === 'window') windows.push(e.window);
      else if (e.type === 'onset' || e.type === 'offset') events.push(e.event);
      else if (e.type === 'model-error') warnings.push(`${e.model} failed: ${e.message}`);
      else if (e.type === 'warning') warnings.push(e.message);
    }
  };
  const chunk = Math.max(1, Math.round(sampleRate));
  for (let i = 0; i < samples.length; i += chunk) {
    collect(await pipeline.process(samples.subarray(i, i + chunk)));
    onProgress?.(Math.min(1, (i + chunk) / samples.length));
  }
  collect(await pipeline.finish());
  return { duration: samples.length / sampleRate, windows, events, file: summarize(windows, pipeline.fileEnsemble(), pipeline.clipTopWindows, pipeline.modelWindows()), warnings };
}
