// Types for wasm/dist/cryscope_core.mjs (the Embind build of core/): this file is the definition of
// the core's JS API, which the npm package imports (web/src/core.ts). Every method throws a JS `Error` with a message on
// bad input (NaN/Inf samples, unsupported rates, bad options, malformed fusion JSON); a call that
// throws changes no state. Objects created with `new` live on the WASM heap: call `.delete()`.

/** Labels in their fixed order (the same in core/, models/ and web/src/labels.ts); index 0,1,2 of every probability vector. */
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

/*
 * Defaults below are the core's own, for using it standalone. They are NOT the shipped models'
 * settings: the npm package always passes every setting, taken from the model manifest
 * (web/src/options.ts, detectionSettings), and never relies on these.
 */
export interface StreamFrontEndOptions {
  /** Device sample rate, Hz, integer in [8000, 96000]. Required. */
  inputSampleRate: number;
  /** Seconds between YAMNet patches (each 0.975 s long), in [0.01, 0.975]. Core default 0.5 (the package passes the manifest's). */
  yamnetHopSeconds?: number;
  /** Wav2Vec2 window length, seconds, in [1, 15]. Core default 2.0 (the package passes the manifest's). */
  wav2vec2WindowSeconds?: number;
  /** Seconds between Wav2Vec2 windows, in [0.01, wav2vec2WindowSeconds]. Core default 0.5 (the package passes the manifest's). */
  wav2vec2HopSeconds?: number;
  /** Emit YAMNet patches. Default true. */
  enableYamnet?: boolean;
  /** Emit Wav2Vec2 windows. Default true. At least one model must be enabled. */
  enableWav2vec2?: boolean;
  /** Cap on buffered 16 kHz audio for un-popped windows, seconds, ≤ 3600. Default 900. */
  maxPendingSeconds?: number;
}

export interface AnalysisWindow {
  model: ModelName;
  /** Seconds of stream time (16 kHz) of the window's first sample. */
  start: number;
  /** Seconds of stream time of the window's end (≤ stream end for flush-padded windows). */
  end: number;
  /** yamnet: one [96, 64] log-mel patch, row-major; wav2vec2: normalised 16 kHz waveform. A copy. */
  data: Float32Array;
}

/**
 * Device-rate audio in, analysis windows for both models out (resampler → ring buffer → windows).
 * Windows do not depend on how the input was chunked.
 */
export declare class StreamFrontEnd {
  constructor(options: StreamFrontEndOptions);
  /** Pushes one chunk at the input rate; returns the number of windows ready to pop(). */
  push(chunk: Float32Array): number;
  /** Zero-copy input: a heap VIEW with room for n samples; re-fetch before each use. */
  inputBuffer(n: number): Float32Array;
  /** Pushes the first n samples of inputBuffer(); returns windows ready. */
  pushInput(n: number): number;
  /** Next ready window by end time (YAMNet first on ties), or null. */
  pop(): AnalysisWindow | null;
  /** Ends the stream like YAMNet ends a clip (pads the tail); returns windows ready. push() then throws until reset(). */
  flush(): number;
  /** Back to a fresh stream at time 0. */
  reset(): void;
  /** Windows ready to pop(). */
  readonly pending: number;
  /** Seconds of audio received (excluding flush padding). */
  readonly streamSeconds: number;
  delete(): void;
}

/** Fusion JSON produced by models/ (`fusion` in manifest.json; checked by models/cryscope_models/fusion.py validate_config and by the core's parser, core/include/cryscope/fusion.hpp). */
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

/** Core defaults, for using it standalone; the npm package always passes every field (the model manifest's values). */
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
  /** Seconds an episode must last before its onset (rise through [off, on) counts). Core default 1.0 (the package passes the manifest's). */
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
  StreamFrontEnd: typeof StreamFrontEnd;
  Decider: typeof Decider;
  /** YAMNet log-mel of a 16 kHz clip with YAMNet's padding: row-major [frames, 64]. */
  logMel(samples16k: Float32Array): Float32Array;
  /** YAMNet patches of a 16 kHz clip with YAMNet's padding: row-major [patches, 96, 64]. */
  logMelPatches(samples16k: Float32Array): Float32Array;
  /** Zero-mean / unit-variance normalisation of one window (Wav2Vec2FeatureExtractor, do_normalize). */
  normalizeWav2Vec2(samples16k: Float32Array): Float32Array;
  /** Core version (semver of the C++ project). */
  readonly version: string;
}

declare function createCore(options?: CoreModuleOptions): Promise<CryscopeCore>;
export default createCore;
