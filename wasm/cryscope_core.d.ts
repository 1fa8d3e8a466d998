// Types for wasm/dist/cryscope_core.mjs (the Embind build of core/). Shared contract:
// "WASM core JS API" in the developers' brief. Every method throws a JS `Error` with a message on
// bad input (NaN/Inf samples, unsupported rates, bad options, malformed fusion JSON); a call that
// throws changes no state. Objects created with `new` live on the WASM heap: call `.delete()`.

/** Labels in contract order; index 0,1,2 of every probability vector. */
export type Label = 'cry' | 'scream' | 'normal';
export type EventLabel = 'cry' | 'scream';
export type ModelName = 'yamnet' | 'wav2vec2';
export type FusionMethod = 'mean' | 'weighted_mean' | 'geometric_mean' | 'vote' | 'logistic';

/** Options of the Emscripten factory (subset we support). */
export interface CoreModuleOptions {
  /** Maps 'cryscope_core.wasm' to a URL (browser/worker) or path/file URL (Node). */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** The .wasm bytes; required where fetch is unavailable (AudioWorklet). Skips any fetch/read. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

/** Streaming resampler from `inputRate` (integer Hz in [8000, 96000]) to 16 kHz. */
export declare class Resampler {
  constructor(inputRate: number);
  /** Resamples one chunk (any length); returns the 16 kHz samples that became ready (a copy). */
  process(chunk: Float32Array): Float32Array;
  /**
   * Zero-copy input: a Float32Array VIEW on the WASM heap with room for `n` samples. Fill it and
   * call processInput(n). Re-fetch it before every use: it is invalidated by any other call into
   * the module (heap growth detaches it).
   */
  inputBuffer(n: number): Float32Array;
  /** Processes the first `n` samples of inputBuffer(). */
  processInput(n: number): Float32Array;
  /** Emits held-back samples (end of stream; the future is silence) and starts a new stream. */
  flush(): Float32Array;
  reset(): void;
  readonly inputRate: number;
  /** Input samples the resampler holds back before emitting (0 for 16 kHz passthrough). */
  readonly latencyInputSamples: number;
  delete(): void;
}

/** Fusion JSON produced by models/ (shared contract "Fusion JSON"). */
export interface FusionConfig {
  labels?: Label[];
  default?: FusionMethod;
  /** [yamnet, wav2vec2] weights for weighted_mean / geometric_mean; default [0.5, 0.5]. */
  weights?: [number, number];
  logistic?: {
    features?: 'log_probs';
    coef: number[][];  // 3 rows × 6
    intercept: number[];  // 3
  };
  [extra: string]: unknown;
}

export interface DeciderOptions {
  /** Fusion JSON as an object or a JSON string. Default: { default: 'mean', weights: [0.5, 0.5] }. */
  fusion?: FusionConfig | string;
  /** Overrides fusion.default. 'logistic' requires fusion.logistic. */
  method?: FusionMethod;
  /**
   * Default { method: 'ema', alpha: 0.5 }. alpha ∈ (0, 1] is the weight of the newest window;
   * size is the median window in windows (odd, 1–101, default 3).
   */
  smoothing?: { method: 'ema' | 'median' | 'none'; alpha?: number; size?: number };
  /** Per-class hysteresis, probabilities; default { on: 0.6, off: 0.4 }; need 0 ≤ off < on ≤ 1. */
  thresholds?: { cry?: { on?: number; off?: number }; scream?: { on?: number; off?: number } };
  /** Seconds an episode must last before its onset (rise through [off, on) counts). Default 1.0. */
  minDurationSeconds?: number;
  /** Seconds after an offset during which the class cannot start a new episode. Default 2.0. */
  cooldownSeconds?: number;
}

export type Probs3 = Float32Array | ArrayLike<number>;

export interface DetectionEvent {
  type: 'onset' | 'offset';
  label: EventLabel;
  /** Seconds (stream time) of the episode's first window. */
  start: number;
  /** Seconds; offset events only (the first window below `off`, or the flush time). */
  end?: number;
  /** Max smoothed probability in the episode (so far, for onsets). */
  peak: number;
  /** Mean smoothed probability over the episode's windows (so far, for onsets). */
  mean: number;
}

export interface DeciderUpdate {
  time: number;
  /** Fused probabilities [cry, scream, normal]. */
  fused: [number, number, number];
  /** After smoothing (what the thresholds see). Median output is per class, not renormalised. */
  smoothed: [number, number, number];
  method: FusionMethod;
  /** Models that contributed to this update. */
  models: ModelName[];
  /** True when only one model contributed (fusion fell back to it). */
  degraded: boolean;
  events: DetectionEvent[];
}

/** fusion → smoothing → onset/offset events for one stream. */
export declare class Decider {
  constructor(options?: DeciderOptions);
  /**
   * One analysis window: `time` in seconds (non-decreasing), each model's probabilities [3] or
   * null/undefined when that model is absent. At least one must be present.
   */
  update(input: { time: number; yamnet?: Probs3 | null; wav2vec2?: Probs3 | null }): DeciderUpdate;
  /** Ends the stream at `time`: offset events for open episodes; afterwards the Decider is as new. */
  flush(time: number): DetectionEvent[];
  /** Forgets smoothing history, open episodes, cooldowns and the last time. */
  reset(): void;
  readonly method: FusionMethod;
  delete(): void;
}

export interface CryscopeCore {
  Resampler: typeof Resampler;
  Decider: typeof Decider;
  /** YAMNet log-mel of a 16 kHz clip with YAMNet's padding: row-major [frames, 64]. */
  logMel(samples16k: Float32Array): Float32Array;
  /** YAMNet patches of a 16 kHz clip with YAMNet's padding: row-major [patches, 96, 64]. */
  logMelPatches(samples16k: Float32Array): Float32Array;
  /** Core version (semver of the C++ project). */
  readonly version: string;
}

declare function createCore(options?: CoreModuleOptions): Promise<CryscopeCore>;
export default createCore;
