// The slice of the WASM core's JS API (wasm/cryscope_core.d.ts, BRIEF "WASM core JS API") the package uses.
// Declared structurally so the pure pipeline can be driven by fakes in unit tests and by the real core.

export interface CoreWindow {
  model: 'yamnet' | 'wav2vec2';
  /** Seconds of stream time (16 kHz clock). */
  start: number;
  end: number;
  /** yamnet: one [96,64] log-mel patch; wav2vec2: normalised waveform. */
  data: Float32Array;
}

export interface FrontEndLike {
  /** Feeds audio at the input rate; returns the number of windows ready. */
  push(samples: Float32Array): number;
  pop(): CoreWindow | null;
  /** Pads/finishes the tail (end of a clip). */
  flush(): void;
  reset(): void;
  delete?(): void;
}

export interface DeciderInput {
  time: number;
  yamnet: Float32Array | null;
  wav2vec2: Float32Array | null;
}

export interface CoreEvent {
  type: 'onset' | 'offset';
  label: 'cry' | 'scream';
  start: number;
  end?: number;
  peak: number;
  mean?: number;
}

export interface DeciderOutput {
  time: number;
  fused: ArrayLike<number>;
  smoothed: ArrayLike<number>;
  method: string;
  models: string[];
  events: CoreEvent[];
}

export interface DeciderLike {
  update(input: DeciderInput): DeciderOutput;
  /** Closes open episodes; the contract says it returns the offset events (array or {events}). */
  flush(time: number): CoreEvent[] | { events: CoreEvent[] };
  reset(): void;
  delete?(): void;
}

export interface StreamFrontEndConfig {
  inputSampleRate: number;
  yamnetHopSeconds?: number;
  wav2vecWindowSeconds?: number;
  wav2vecHopSeconds?: number;
  enableYamnet?: boolean;
  enableWav2vec2?: boolean;
}

export interface DeciderConfig {
  fusion: string | object;
  method?: string;
  smoothing: { method: 'ema' | 'median' | 'none'; alpha?: number; size?: number };
  thresholds: { cry: { on: number; off: number }; scream: { on: number; off: number } };
  minDurationSeconds?: number;
  cooldownSeconds?: number;
}

/** The module object returned by `await createCore()`. */
export interface CryscopeCore {
  version: string;
  StreamFrontEnd: new (config: StreamFrontEndConfig) => FrontEndLike;
  Decider: new (config: DeciderConfig) => DeciderLike;
  Resampler: new (inputRate: number) => { process(x: Float32Array): Float32Array; delete(): void };
  logMelPatches(samples16k: Float32Array): Float32Array;
  normalizeWav2Vec2(x: Float32Array): Float32Array;
}

export type CreateCore = (opts?: { locateFile?: (path: string, prefix: string) => string }) => Promise<CryscopeCore>;
