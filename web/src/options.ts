// Every public option of CryDetector / classify, with unit and default, and its validation.
// Why strict: a typo or an out-of-range threshold would silently give a detector that never fires;
// we reject it with a message that names the option instead.
import { MODEL_NAMES, type ModelName } from './labels.js';

export const FUSION_METHODS = ['mean', 'weighted_mean', 'geometric_mean', 'vote', 'logistic'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];

export interface Hysteresis {
  /** Smoothed probability (0–1) at or above which an episode starts. */
  on: number;
  /** Smoothed probability (0–1) below which an episode ends; must be < on. */
  off: number;
}

export interface Thresholds {
  cry: Hysteresis;
  scream: Hysteresis;
}

export interface Smoothing {
  /** 'ema' (exponential moving average), 'median' (running median) or 'none'. */
  method: 'ema' | 'median' | 'none';
  /** EMA weight of the newest window, 0 < alpha ≤ 1 (ema only). */
  alpha?: number;
  /** Median window length in decisions, odd, 1–31 (median only). */
  size?: number;
}

export interface ModelUrls {
  /** URL of manifest.json. Default: `${modelBaseUrl}manifest.json`. */
  manifest?: string;
  /** URL of the YAMNet ONNX file. Default: manifest's yamnet.file under modelBaseUrl. */
  yamnet?: string;
  /** URL of the Wav2Vec2 ONNX file. Default: manifest's wav2vec2 file (int8 or fp32) under modelBaseUrl. */
  wav2vec2?: string;
  /** URL of the 521 AudioSet class names CSV. Default: manifest's audioset_labels_file under modelBaseUrl. */
  audiosetLabels?: string;
}

export interface CryDetectorOptions {
  /** Which models to run. Default ['yamnet', 'wav2vec2']. At least one. */
  models?: ModelName[];
  /** Folder URL (ending in '/') holding manifest.json and the model files. Default: the models bundled in the package. */
  modelBaseUrl?: string;
  /** Per-file URL overrides (take precedence over modelBaseUrl). */
  modelUrls?: ModelUrls;
  /** Wav2Vec2 variant: 'int8' (smaller, default) or 'fp32'. */
  wav2vec2Precision?: 'int8' | 'fp32';
  /** Check each model's sha256 against the manifest before use. Default true. */
  verifySha256?: boolean;
  /** Keep downloaded models in Cache Storage so later visits work offline. Default true. */
  cacheModels?: boolean;
  /** Seconds between YAMNet windows (window is fixed at 0.975 s). Default 0.5, range 0.1–0.975 (no gaps). */
  yamnetHopSeconds?: number;
  /** Wav2Vec2 window length in seconds. Default 1.0 (what the shipped model is trained and evaluated on), range 1–15. */
  wav2vec2WindowSeconds?: number;
  /** Seconds between Wav2Vec2 windows. Default 0.5, range 0.1–15. */
  wav2vec2HopSeconds?: number;
  /** Fusion method. Default: the manifest's fusion.default (chosen per model build on held-out corpus families; weighted_mean with weights [1, 0] — YAMNet's output — for the current one). */
  fusionMethod?: FusionMethod;
  /** Onset/offset thresholds (probabilities 0–1, off < on) on smoothed probabilities. Default: the manifest's, chosen per model build on held-out corpus families (shipped build: cry 0.8/0.6, scream 0.6/0.4). */
  thresholds?: Partial<Thresholds>;
  /** Smoothing of fused probabilities. Default: the manifest's (ema, alpha 0.5). */
  smoothing?: Smoothing;
  /** Minimum episode length in seconds before an onset is reported. Default: manifest's (0 s: onset at the first decision reaching `on`). Range 0–60. */
  minDurationSeconds?: number;
  /** Seconds after an offset during which a new onset of the same label is suppressed. Default: manifest's (2.0 s). Range 0–600. */
  cooldownSeconds?: number;
  /** How many of YAMNet's top AudioSet classes to report per window. Default 3, range 0–521. */
  topAudioSetLabels?: number;
  /**
   * Run Wav2Vec2 in a second Worker so the two models use two cores at once (a hop costs the slower
   * model, not both). Costs one more ONNX Runtime instance (~20 MB). Default true when the device
   * reports 2 or more cores (navigator.hardwareConcurrency), else false. Browser only (Node runs
   * both models in one thread).
   */
  parallelModels?: boolean;
  /** ONNX Runtime WASM threads. Default: min(4, ceil(cores / 2)) when crossOriginIsolated, else 1. Range 1–16. */
  threads?: number;
  /** Folder URL of the package's runtime files (worker.js, worklet.js, core/, ort/). Default: next to the package's index.js. */
  assetBaseUrl?: string;
  /** Backend base URL (e.g. 'https://example.org' or '/' for same origin). Unset = nothing is ever sent (default). */
  backendUrl?: string;
  /** Bearer API key for the backend. Default none. */
  apiKey?: string;
  /** Seconds between batch sends. Default 5, range 0.5–3600. */
  batchIntervalSeconds?: number;
  /** Maximum windows per batch (protocol limit 1000). Default 200, range 1–1000. */
  maxBatchWindows?: number;
  /** Send per-window summaries (not only events). Default true. */
  sendWindows?: boolean;
  /** Device id sent with batches. Default: a random id kept in localStorage. */
  deviceId?: string;
  /**
   * Keep the screen on while listening (Screen Wake Lock; re-taken when the page is shown again).
   * Default true: a sleeping phone or laptop stops the microphone. The `wakelock` event reports
   * 'unsupported' / 'refused' where the browser cannot.
   */
  keepScreenOn?: boolean;
  /**
   * Restart the capture by itself when it is lost (microphone track ended, AudioContext suspended,
   * interrupted or closed), retrying after 1 s, 2 s, 4 s … at most every 30 s, and at once when
   * the page is shown or the device list changes. Default true. false: such a loss is an error
   * ('no-device') and the detector stops, as before.
   */
  autoRecover?: boolean;
}

/** Options after validation: detection settings left undefined fall back to the manifest. */
export interface ResolvedOptions {
  models: ModelName[];
  modelBaseUrl?: string;
  modelUrls: ModelUrls;
  wav2vec2Precision: 'int8' | 'fp32';
  verifySha256: boolean;
  cacheModels: boolean;
  yamnetHopSeconds: number;
  wav2vec2WindowSeconds: number;
  wav2vec2HopSeconds: number;
  fusionMethod?: FusionMethod;
  thresholds?: Partial<Thresholds>;
  smoothing?: Smoothing;
  minDurationSeconds?: number;
  cooldownSeconds?: number;
  topAudioSetLabels: number;
  parallelModels: boolean;
  threads?: number;
  assetBaseUrl?: string;
  backendUrl?: string;
  apiKey?: string;
  batchIntervalSeconds: number;
  maxBatchWindows: number;
  sendWindows: boolean;
  deviceId?: string;
  keepScreenOn: boolean;
  autoRecover: boolean;
}

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid cryscope options:\n  - ${problems.join('\n  - ')}`);
    this.name = 'OptionsError';
  }
}

const KNOWN_KEYS = new Set<string>([
  'models', 'modelBaseUrl', 'modelUrls', 'wav2vec2Precision', 'verifySha256', 'cacheModels',
  'yamnetHopSeconds', 'wav2vec2WindowSeconds', 'wav2vec2HopSeconds', 'fusionMethod', 'thresholds',
  'smoothing', 'minDurationSeconds', 'cooldownSeconds', 'topAudioSetLabels', 'threads', 'parallelModels', 'assetBaseUrl',
  'backendUrl', 'apiKey', 'batchIntervalSeconds', 'maxBatchWindows', 'sendWindows', 'deviceId',
  'keepScreenOn', 'autoRecover',
]);

type Problems = string[];

function num(p: Problems, name: string, v: unknown, min: number, max: number, def: number, integer = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    p.push(`${name} must be a finite number, got ${JSON.stringify(v)}`);
    return def;
  }
  if (v < min || v > max) p.push(`${name} must be between ${min} and ${max}, got ${v}`);
  if (integer && !Number.isInteger(v)) p.push(`${name} must be an integer, got ${v}`);
  return v;
}

function optNum(p: Problems, name: string, v: unknown, min: number, max: number): number | undefined {
  return v === undefined ? undefined : num(p, name, v, min, max, 0);
}

function bool(p: Problems, name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') p.push(`${name} must be true or false, got ${JSON.stringify(v)}`);
  return v === true;
}

function url(p: Problems, name: string, v: unknown, folder = false): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) {
    p.push(`${name} must be a non-empty URL string`);
    return undefined;
  }
  try {
    // Relative URLs are fine (resolved against the page); only syntax is checked here.
    new URL(v, 'http://base.invalid/');
  } catch {
    p.push(`${name} is not a valid URL: ${v}`);
  }
  if (folder && !v.endsWith('/')) return `${v}/`;
  return v;
}

function hysteresis(p: Problems, name: string, v: unknown): Hysteresis | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) {
    p.push(`${name} must be an object {on, off}`);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const on = num(p, `${name}.on`, o.on, 0, 1, NaN);
  const off = num(p, `${name}.off`, o.off, 0, 1, NaN);
  if (o.on === undefined || o.off === undefined) p.push(`${name} needs both on and off`);
  else if (!(off < on)) p.push(`${name}.off (${off}) must be below ${name}.on (${on})`);
  return { on, off };
}

/** Validates user options; throws OptionsError listing every problem at once. */
export function resolveOptions(input: CryDetectorOptions = {}): ResolvedOptions {
  const p: Problems = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new OptionsError(['options must be an object']);
  }
  for (const k of Object.keys(input)) if (!KNOWN_KEYS.has(k)) p.push(`unknown option "${k}"`);

  let models: ModelName[] = [...MODEL_NAMES];
  if (input.models !== undefined) {
    if (!Array.isArray(input.models) || input.models.length === 0) {
      p.push('models must be a non-empty array of "yamnet" and/or "wav2vec2"');
    } else {
      for (const m of input.models) if (!MODEL_NAMES.includes(m)) p.push(`models: unknown model "${String(m)}"`);
      models = MODEL_NAMES.filter((m) => input.models!.includes(m));
    }
  }

  const modelUrls: ModelUrls = {};
  if (input.modelUrls !== undefined) {
    if (typeof input.modelUrls !== 'object' || input.modelUrls === null) p.push('modelUrls must be an object');
    else {
      for (const k of Object.keys(input.modelUrls)) {
        if (!['manifest', 'yamnet', 'wav2vec2', 'audiosetLabels'].includes(k)) p.push(`modelUrls: unknown key "${k}"`);
        else (modelUrls as Record<string, string | undefined>)[k] = url(p, `modelUrls.${k}`, (input.modelUrls as Record<string, unknown>)[k]);
      }
    }
  }

  const precision = input.wav2vec2Precision ?? 'int8';
  if (precision !== 'int8' && precision !== 'fp32') p.push(`wav2vec2Precision must be "int8" or "fp32", got ${JSON.stringify(precision)}`);

  if (input.fusionMethod !== undefined && !FUSION_METHODS.includes(input.fusionMethod)) {
    p.push(`fusionMethod must be one of ${FUSION_METHODS.join(', ')}, got ${JSON.stringify(input.fusionMethod)}`);
  }

  let thresholds: Partial<Thresholds> | undefined;
  if (input.thresholds !== undefined) {
    if (typeof input.thresholds !== 'object' || input.thresholds === null) p.push('thresholds must be an object {cry?, scream?}');
    else {
      thresholds = {};
      for (const k of Object.keys(input.thresholds)) {
        if (k !== 'cry' && k !== 'scream') p.push(`thresholds: unknown label "${k}" (only cry and scream have events)`);
      }
      const cry = hysteresis(p, 'thresholds.cry', input.thresholds.cry);
      const scream = hysteresis(p, 'thresholds.scream', input.thresholds.scream);
      if (cry) thresholds.cry = cry;
      if (scream) thresholds.scream = scream;
    }
  }

  let smoothing: Smoothing | undefined;
  if (input.smoothing !== undefined) {
    const s = input.smoothing as Smoothing;
    if (typeof s !== 'object' || s === null || !['ema', 'median', 'none'].includes(s.method)) {
      p.push('smoothing.method must be "ema", "median" or "none"');
    } else {
      smoothing = { method: s.method };
      if (s.method === 'ema') smoothing.alpha = num(p, 'smoothing.alpha', s.alpha, 0.01, 1, 0.5);
      if (s.method === 'median') {
        smoothing.size = num(p, 'smoothing.size', s.size, 1, 31, 3, true);
        if (smoothing.size % 2 === 0) p.push(`smoothing.size must be odd, got ${smoothing.size}`);
      }
    }
  }

  const backendUrl = url(p, 'backendUrl', input.backendUrl);
  if (input.apiKey !== undefined && (typeof input.apiKey !== 'string' || input.apiKey.length === 0)) p.push('apiKey must be a non-empty string');
  if (input.apiKey !== undefined && backendUrl === undefined) p.push('apiKey is set but backendUrl is not');
  if (input.deviceId !== undefined && (typeof input.deviceId !== 'string' || !/^[\w.:-]{1,128}$/.test(input.deviceId))) {
    p.push('deviceId must be 1–128 characters of letters, digits, _ . : -');
  }

  const resolved: ResolvedOptions = {
    models,
    modelBaseUrl: url(p, 'modelBaseUrl', input.modelBaseUrl, true),
    modelUrls,
    wav2vec2Precision: precision,
    verifySha256: bool(p, 'verifySha256', input.verifySha256, true),
    cacheModels: bool(p, 'cacheModels', input.cacheModels, true),
    yamnetHopSeconds: num(p, 'yamnetHopSeconds', input.yamnetHopSeconds, 0.1, 0.975, 0.5),
    wav2vec2WindowSeconds: num(p, 'wav2vec2WindowSeconds', input.wav2vec2WindowSeconds, 1, 15, 1.0),
    wav2vec2HopSeconds: num(p, 'wav2vec2HopSeconds', input.wav2vec2HopSeconds, 0.1, 15, 0.5),
    fusionMethod: input.fusionMethod,
    thresholds,
    smoothing,
    minDurationSeconds: optNum(p, 'minDurationSeconds', input.minDurationSeconds, 0, 60),
    cooldownSeconds: optNum(p, 'cooldownSeconds', input.cooldownSeconds, 0, 600),
    topAudioSetLabels: num(p, 'topAudioSetLabels', input.topAudioSetLabels, 0, 521, 3, true),
    threads: optNum(p, 'threads', input.threads, 1, 16),
    parallelModels: bool(p, 'parallelModels', input.parallelModels, (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1) >= 2),
    assetBaseUrl: url(p, 'assetBaseUrl', input.assetBaseUrl, true),
    backendUrl,
    apiKey: input.apiKey,
    batchIntervalSeconds: num(p, 'batchIntervalSeconds', input.batchIntervalSeconds, 0.5, 3600, 5),
    maxBatchWindows: num(p, 'maxBatchWindows', input.maxBatchWindows, 1, 1000, 200, true),
    sendWindows: bool(p, 'sendWindows', input.sendWindows, true),
    deviceId: input.deviceId,
    keepScreenOn: bool(p, 'keepScreenOn', input.keepScreenOn, true),
    autoRecover: bool(p, 'autoRecover', input.autoRecover, true),
  };
  if (resolved.threads !== undefined && !Number.isInteger(resolved.threads)) p.push(`threads must be an integer, got ${resolved.threads}`);
  if (resolved.wav2vec2HopSeconds > resolved.wav2vec2WindowSeconds) {
    p.push(`wav2vec2HopSeconds (${resolved.wav2vec2HopSeconds}) must not exceed wav2vec2WindowSeconds (${resolved.wav2vec2WindowSeconds})`);
  }
  if (p.length) throw new OptionsError(p);
  return resolved;
}
