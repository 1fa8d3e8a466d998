// Every public option of CryDetector / classify, declared once in OPTIONS: unit, range, default,
// doc and validation. The key list, the resolved type (ResolvedOptions), validation
// (resolveOptions) and the options table in web/README.md (checked by tests/web/unit/options.test.ts)
// all come from that table; so does every model-dependent default, read from the model manifest by
// detectionSettings() — the package never falls back to a number of its own for those, and always
// passes every setting to the WASM core explicitly (the core's own defaults are never used).
// Why strict: a typo or an out-of-range threshold would silently give a detector that never fires;
// we reject it with a message that names the option instead.
import type { CoreFusionMethod, FusionConfig, Same } from './core.js';
import { MODEL_NAMES, type ModelName } from './labels.js';

export const FUSION_METHODS = ['mean', 'weighted_mean', 'geometric_mean', 'vote', 'logistic'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];
const fusionNamesAgree: Same<FusionMethod, CoreFusionMethod> = true; // the core's names, both ways
void fusionNamesAgree;

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

/**
 * Options of CryDetector.create / loadClassifier. Every one is optional; units, ranges and defaults
 * are declared once in OPTIONS below (and listed in web/README.md). "From the model manifest" means
 * the default is the model build's own choice (manifest.json), not a number of the package's.
 */
export interface CryDetectorOptions {
  /** Which models to run (at least one). */
  models?: ModelName[];
  /** Folder URL (ending in '/') holding manifest.json and the model files. Default: the models bundled in the package. */
  modelBaseUrl?: string;
  /** Per-file URL overrides (take precedence over modelBaseUrl). */
  modelUrls?: ModelUrls;
  /** Wav2Vec2 variant: 'int8' (smaller) or 'fp32'. */
  wav2vec2Precision?: 'int8' | 'fp32';
  /** Check each model's sha256 against the manifest before use. */
  verifySha256?: boolean;
  /** Keep downloaded models in Cache Storage so later visits work offline. */
  cacheModels?: boolean;
  /** Seconds between YAMNet windows (window fixed at 0.975 s). Default from the model manifest. */
  yamnetHopSeconds?: number;
  /** Wav2Vec2 window length in seconds. Default from the model manifest (what the model is trained and evaluated on). */
  wav2vec2WindowSeconds?: number;
  /** Seconds between Wav2Vec2 windows (≤ window). Default from the model manifest. */
  wav2vec2HopSeconds?: number;
  /** Fusion method. Default from the model manifest (fusion.default, chosen per model build). */
  fusionMethod?: FusionMethod;
  /** Onset/offset thresholds (probabilities 0–1, off < on) on smoothed probabilities. Default from the model manifest. */
  thresholds?: Partial<Thresholds>;
  /** Smoothing of fused probabilities. Default from the model manifest. */
  smoothing?: Smoothing;
  /** Minimum episode length in seconds before an onset is reported. Default from the model manifest. */
  minDurationSeconds?: number;
  /** Seconds after an offset during which a new onset of the same label is suppressed. Default from the model manifest. */
  cooldownSeconds?: number;
  /** How many of YAMNet's top AudioSet classes to report per window. */
  topAudioSetLabels?: number;
  /**
   * Live listening only: skip the models while the room is quiet (input-level gate with hangover,
   * web/src/level-gate.ts); the Decider is told "normal" for skipped windows. Clip analysis
   * (classify, eval) always runs every window.
   */
  levelGate?: boolean;
  /** The level gate's threshold: a window is analysed when its loudest 0.1 s reaches this RMS level (dBFS). */
  levelGateDb?: number;
  /** Seconds the level gate stays open after the last 0.1 s at or above levelGateDb. */
  levelGateHangoverSeconds?: number;
  /**
   * Live listening only: do not run Wav2Vec2 while its output cannot change a decision (the
   * fusion method is weighted_mean or geometric_mean and Wav2Vec2's fusion weight is 0). Clip
   * analysis always runs both models.
   */
  cascade?: boolean;
  /**
   * Run Wav2Vec2 in a second Worker so the two models use two cores at once (a hop costs the slower
   * model, not both). Costs one more ONNX Runtime instance (~20 MB). Default true when the device
   * reports 2 or more cores (navigator.hardwareConcurrency). Browser only (Node runs both models in one thread).
   */
  parallelModels?: boolean;
  /** ONNX Runtime WASM threads. */
  threads?: number;
  /** Folder URL of the package's runtime files (worker.js, worklet.js, core/, ort/). Default: next to the package's index.js. */
  assetBaseUrl?: string;
  /** Backend base URL (e.g. 'https://example.org' or '/' for same origin). Unset = nothing is ever sent (default). */
  backendUrl?: string;
  /** Bearer API key for the backend. */
  apiKey?: string;
  /** Seconds between batch sends. */
  batchIntervalSeconds?: number;
  /** Maximum windows per batch (protocol limit 1000). */
  maxBatchWindows?: number;
  /** Send per-window summaries (not only events). */
  sendWindows?: boolean;
  /** Device id sent with batches. Default: a random id kept in localStorage. */
  deviceId?: string;
  /**
   * Keep the screen on while listening (Screen Wake Lock; re-taken when the page is shown again):
   * a sleeping phone or laptop stops the microphone. The `wakelock` event reports 'unsupported' /
   * 'refused' where the browser cannot.
   */
  keepScreenOn?: boolean;
  /**
   * Restart the capture by itself when it is lost (microphone track ended, AudioContext suspended,
   * interrupted or closed), retrying after 1 s, 2 s, 4 s … at most every 30 s, and at once when
   * the page is shown or the device list changes. false: such a loss is an error ('no-device') and
   * the detector stops.
   */
  autoRecover?: boolean;
}

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid cryscope options:\n  - ${problems.join('\n  - ')}`);
    this.name = 'OptionsError';
  }
}

type Problems = string[];

/** The part of the model manifest (manifest.ts: the whole file) the options take their defaults from. */
export interface ManifestSettings {
  models: { [M in ModelName]?: { window_samples: number; hop_samples: number } };
  fusion: FusionConfig & { default: string };
  thresholds: Thresholds;
  smoothing: Smoothing;
  events: { min_duration_s: number; cooldown_s: number };
  /** How a whole clip's verdict is taken from its windows (clip-summary.ts): the mean of the `windows` most alarming. */
  clip_summary: { rule: 'top_alarm_mean'; windows: number };
}
type Manifest = ManifestSettings;

/** Where an option's default comes from. */
export type OptionDefault =
  /** A constant of the package. */
  | { kind: 'value'; value: unknown }
  /** The model build's choice: `field` of manifest.json, read by `get` (undefined = missing). */
  | { kind: 'manifest'; field: string; get: (m: Manifest) => unknown }
  /** Depends on the device or is unset; `text` says how. */
  | { kind: 'other'; text: string };

export interface OptionSpec<T> {
  /** Unit or type, as in the docs table. */
  unit: string;
  /** Allowed values, as in the docs table ('' when the type says it all). */
  range: string;
  default: OptionDefault;
  /** One line: what the option does. */
  doc: string;
  /** Validates a user value (pushing problems) and returns the resolved value (the default when undefined). */
  parse(v: unknown, p: Problems, name: string): T;
}

function checkNumber(p: Problems, name: string, v: unknown, min: number, max: number, integer: boolean): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    p.push(`${name} must be a finite number, got ${JSON.stringify(v)}`);
    return false;
  }
  if (v < min || v > max) p.push(`${name} must be between ${min} and ${max}, got ${v}`);
  if (integer && !Number.isInteger(v)) p.push(`${name} must be an integer, got ${v}`);
  return true;
}

interface NumberSpec { unit: string; min: number; max: number; integer?: boolean; doc: string; range?: string }

/** A number with a package default. */
function number(o: NumberSpec & { default: number }): OptionSpec<number> {
  return {
    unit: o.unit, range: o.range ?? `${o.min}–${o.max}`, default: { kind: 'value', value: o.default }, doc: o.doc,
    parse: (v, p, name) => (v === undefined ? o.default : checkNumber(p, name, v, o.min, o.max, o.integer ?? false) ? v : o.default),
  };
}

/** A number whose default is the manifest's (or, for `other`, the environment's): undefined until detectionSettings(). */
function optionalNumber(o: NumberSpec & { default: OptionDefault }): OptionSpec<number | undefined> {
  return {
    unit: o.unit, range: o.range ?? `${o.min}–${o.max}`, default: o.default, doc: o.doc,
    parse: (v, p, name) => (v === undefined ? undefined : checkNumber(p, name, v, o.min, o.max, o.integer ?? false) ? v : undefined),
  };
}

/** A boolean; `def` may be computed when resolving (device-dependent, then say how in `defaultText`). */
function flag(def: boolean | (() => boolean), doc: string, defaultText?: string): OptionSpec<boolean> {
  return {
    unit: 'boolean', range: '', default: defaultText ? { kind: 'other', text: defaultText } : { kind: 'value', value: def }, doc,
    parse: (v, p, name) => {
      if (v === undefined) return typeof def === 'function' ? def() : def;
      if (typeof v !== 'boolean') p.push(`${name} must be true or false, got ${JSON.stringify(v)}`);
      return v === true;
    },
  };
}

function urlValue(p: Problems, name: string, v: unknown, folder: boolean): string | undefined {
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

function url(unit: string, defaultText: string, doc: string, folder = false): OptionSpec<string | undefined> {
  return { unit, range: '', default: { kind: 'other', text: defaultText }, doc, parse: (v, p, name) => urlValue(p, name, v, folder) };
}

function hysteresis(p: Problems, name: string, v: unknown): Hysteresis | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) {
    p.push(`${name} must be an object {on, off}`);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const bound = (k: 'on' | 'off') => (o[k] !== undefined && checkNumber(p, `${name}.${k}`, o[k], 0, 1, false) ? (o[k] as number) : NaN);
  const on = bound('on');
  const off = bound('off');
  if (o.on === undefined || o.off === undefined) p.push(`${name} needs both on and off`);
  else if (!(off < on)) p.push(`${name}.off (${off}) must be below ${name}.on (${on})`);
  return { on, off };
}

const SAMPLE_RATE = 16000;
/** Whether the level gate is on by default (web/README.md: the measurements it rests on). */
const LEVEL_GATE_DEFAULT = true;
const seconds = (samples: unknown) => (typeof samples === 'number' ? samples / SAMPLE_RATE : undefined);
const fromManifest = (field: string, get: (m: Manifest) => unknown): OptionDefault => ({ kind: 'manifest', field, get });

/**
 * THE declaration of every option. To change a default, change it here (package constants) or in
 * the model build (model-dependent settings: models/cryscope_models/pipeline.py writes manifest.json).
 * Order = order of the docs table.
 */
export const OPTIONS = {
  models: {
    unit: "`('yamnet'\\|'wav2vec2')[]`", range: 'at least one', default: { kind: 'other', text: 'both' },
    doc: 'models to run (fusion falls back to the one present)',
    parse: (v: unknown, p: Problems, name: string): ModelName[] => {
      if (v === undefined) return [...MODEL_NAMES];
      if (!Array.isArray(v) || v.length === 0) {
        p.push(`${name} must be a non-empty array of "yamnet" and/or "wav2vec2"`);
        return [...MODEL_NAMES];
      }
      for (const m of v) if (!MODEL_NAMES.includes(m)) p.push(`${name}: unknown model "${String(m)}"`);
      return MODEL_NAMES.filter((m) => v.includes(m));
    },
  },
  modelBaseUrl: url('URL of a folder', 'the bundled models', 'where `manifest.json` and the ONNX files are', true),
  modelUrls: {
    unit: '`{manifest?, yamnet?, wav2vec2?, audiosetLabels?}`', range: 'URLs', default: { kind: 'other', text: '—' },
    doc: 'per-file URL overrides',
    parse: (v: unknown, p: Problems, name: string): ModelUrls => {
      const out: ModelUrls = {};
      if (v === undefined) return out;
      if (typeof v !== 'object' || v === null) {
        p.push(`${name} must be an object`);
        return out;
      }
      for (const [k, x] of Object.entries(v)) {
        if (!['manifest', 'yamnet', 'wav2vec2', 'audiosetLabels'].includes(k)) p.push(`${name}: unknown key "${k}"`);
        else out[k as keyof ModelUrls] = urlValue(p, `${name}.${k}`, x, false);
      }
      return out;
    },
  },
  wav2vec2Precision: {
    unit: "`'int8'\\|'fp32'`", range: '', default: { kind: 'value', value: 'int8' }, doc: 'Wav2Vec2 variant',
    parse: (v: unknown, p: Problems, name: string): 'int8' | 'fp32' => {
      if (v === undefined) return 'int8';
      if (v !== 'int8' && v !== 'fp32') p.push(`${name} must be "int8" or "fp32", got ${JSON.stringify(v)}`);
      return v === 'fp32' ? 'fp32' : 'int8';
    },
  },
  verifySha256: flag(true, "check models against the manifest's sha256"),
  cacheModels: flag(true, 'keep models in Cache Storage (second visit works offline)'),
  yamnetHopSeconds: optionalNumber({
    unit: 's', min: 0.1, max: 0.975, default: fromManifest('models.yamnet.hop_samples', (m) => seconds(m.models.yamnet?.hop_samples)),
    doc: 'YAMNet hop (window fixed at 0.975 s)',
  }),
  wav2vec2WindowSeconds: optionalNumber({
    unit: 's', min: 1, max: 15, default: fromManifest('models.wav2vec2.window_samples', (m) => seconds(m.models.wav2vec2?.window_samples)),
    doc: 'Wav2Vec2 window (the length the model is trained and evaluated on)',
  }),
  wav2vec2HopSeconds: optionalNumber({
    unit: 's', min: 0.1, max: 15, range: '0.1–15 (≤ window)', default: fromManifest('models.wav2vec2.hop_samples', (m) => seconds(m.models.wav2vec2?.hop_samples)),
    doc: 'Wav2Vec2 hop',
  }),
  fusionMethod: {
    unit: `\`${FUSION_METHODS.join('\\|')}\``, range: '', default: fromManifest('fusion.default', (m) => m.fusion?.default),
    doc: 'fusion of the two models (chosen per model build on held-out corpus families, models/README.md)',
    parse: (v: unknown, p: Problems, name: string): FusionMethod | undefined => {
      if (v === undefined) return undefined;
      if (!FUSION_METHODS.includes(v as FusionMethod)) {
        p.push(`${name} must be one of ${FUSION_METHODS.join(', ')}, got ${JSON.stringify(v)}`);
        return undefined;
      }
      return v as FusionMethod;
    },
  },
  thresholds: {
    unit: '`{cry?:{on,off}, scream?:{on,off}}`', range: 'probability 0–1, off < on', default: fromManifest('thresholds', (m) => m.thresholds),
    doc: 'hysteresis on smoothed probabilities (chosen per model build on held-out corpus families)',
    parse: (v: unknown, p: Problems, name: string): Partial<Thresholds> | undefined => {
      if (v === undefined) return undefined;
      if (typeof v !== 'object' || v === null) {
        p.push(`${name} must be an object {cry?, scream?}`);
        return undefined;
      }
      const t = v as Record<string, unknown>;
      for (const k of Object.keys(t)) if (k !== 'cry' && k !== 'scream') p.push(`${name}: unknown label "${k}" (only cry and scream have events)`);
      const out: Partial<Thresholds> = {};
      const cry = hysteresis(p, `${name}.cry`, t.cry);
      const scream = hysteresis(p, `${name}.scream`, t.scream);
      if (cry) out.cry = cry;
      if (scream) out.scream = scream;
      return out;
    },
  },
  smoothing: {
    unit: "`{method:'ema'\\|'median'\\|'none', alpha?, size?}`", range: 'alpha 0.01–1 (default 0.5), size odd 1–31 (default 3)',
    default: fromManifest('smoothing', (m) => m.smoothing), doc: 'smoothing of fused probabilities',
    parse: (v: unknown, p: Problems, name: string): Smoothing | undefined => {
      if (v === undefined) return undefined;
      const s = v as Smoothing;
      if (typeof s !== 'object' || s === null || !['ema', 'median', 'none'].includes(s.method)) {
        p.push(`${name}.method must be "ema", "median" or "none"`);
        return undefined;
      }
      const out: Smoothing = { method: s.method };
      if (s.method === 'ema') out.alpha = number({ unit: '', min: 0.01, max: 1, default: 0.5, doc: '' }).parse(s.alpha, p, `${name}.alpha`);
      if (s.method === 'median') {
        out.size = number({ unit: '', min: 1, max: 31, integer: true, default: 3, doc: '' }).parse(s.size, p, `${name}.size`);
        if (out.size % 2 === 0) p.push(`${name}.size must be odd, got ${out.size}`);
      }
      return out;
    },
  },
  minDurationSeconds: optionalNumber({
    unit: 's', min: 0, max: 60, default: fromManifest('events.min_duration_s', (m) => m.events?.min_duration_s),
    doc: 'minimum episode length before an onset (0: onset at the first decision reaching `on`)',
  }),
  cooldownSeconds: optionalNumber({
    unit: 's', min: 0, max: 600, default: fromManifest('events.cooldown_s', (m) => m.events?.cooldown_s),
    doc: 'no new onset of a label this long after its offset',
  }),
  topAudioSetLabels: number({ unit: 'count', min: 0, max: 521, integer: true, default: 3, doc: 'YAMNet AudioSet labels reported per window' }),
  levelGate: flag(LEVEL_GATE_DEFAULT, 'live only: skip the models while the input is quiet (below `levelGateDb`, plus hangover); skipped windows count as "normal" for the Decider; clips always run every window'),
  levelGateDb: number({ unit: 'dBFS (RMS)', min: -120, max: 0, default: -50, doc: 'level gate threshold: a window is analysed when its loudest 0.1 s reaches this level' }),
  levelGateHangoverSeconds: number({ unit: 's', min: 0, max: 600, default: 5, doc: 'the level gate stays open this long after the last loud 0.1 s (cry pauses, decay)' }),
  cascade: flag(true, "live only: don't run Wav2Vec2 while its fusion weight is 0 (`weighted_mean`/`geometric_mean`), where it cannot change a decision; clips always run both"),
  threads: optionalNumber({
    unit: 'count', min: 1, max: 16, integer: true, default: { kind: 'other', text: 'browser: min(4, ceil(cores/2)) if cross-origin isolated, else 1; Node: 1' },
    doc: 'ONNX Runtime WASM threads',
  }),
  parallelModels: flag(
    () => (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1) >= 2,
    'run Wav2Vec2 in a second Worker so the two models use two cores at once (+1 ONNX Runtime instance, ~20 MB); browser only',
    'true if the device has ≥ 2 cores',
  ),
  assetBaseUrl: url('URL of a folder', 'next to `index.js`', 'where `worker.js`, `worklet.js`, `core/`, `ort/` are', true),
  backendUrl: url('URL', 'unset = **nothing is sent**', 'backend receiving `cryscope.batch/1` batches at `/api/v1/detections`'),
  apiKey: {
    unit: 'string', range: 'needs `backendUrl`', default: { kind: 'other', text: '—' }, doc: 'sent as `Authorization: Bearer …`',
    parse: (v: unknown, p: Problems, name: string): string | undefined => {
      if (v !== undefined && (typeof v !== 'string' || v.length === 0)) p.push(`${name} must be a non-empty string`);
      return v as string | undefined;
    },
  },
  batchIntervalSeconds: number({ unit: 's', min: 0.5, max: 3600, default: 5, doc: 'how often window summaries are sent (onset/offset events go at once)' }),
  maxBatchWindows: number({ unit: 'count', min: 1, max: 1000, integer: true, default: 200, doc: 'windows per batch' }),
  sendWindows: flag(true, 'send per-window summaries, not only events'),
  deviceId: {
    unit: 'string', range: '1–128 of `[A-Za-z0-9_.:-]`', default: { kind: 'other', text: 'random, kept in localStorage' }, doc: 'device id in batches',
    parse: (v: unknown, p: Problems, name: string): string | undefined => {
      if (v !== undefined && (typeof v !== 'string' || !/^[\w.:-]{1,128}$/.test(v))) p.push(`${name} must be 1–128 characters of letters, digits, _ . : -`);
      return v as string | undefined;
    },
  },
  keepScreenOn: flag(true, 'hold a Screen Wake Lock while listening (taken again when the page is shown); `wakelock` event says if the browser cannot'),
  autoRecover: flag(true, 'restart the capture by itself when it is lost (track ended, AudioContext suspended/interrupted/closed); `false`: an `error` (`no-device`) and the detector stops'),
} satisfies { [K in keyof Required<CryDetectorOptions>]: OptionSpec<unknown> };

/** Every option name (the keys of OPTIONS). */
export const OPTION_KEYS = Object.keys(OPTIONS) as (keyof typeof OPTIONS)[];

// OPTIONS must declare exactly the keys of CryDetectorOptions (the `satisfies` above checks the other way).
type Missing = Exclude<keyof CryDetectorOptions, keyof typeof OPTIONS> | Exclude<keyof typeof OPTIONS, keyof CryDetectorOptions>;
const _exactKeys: [Missing] extends [never] ? true : Missing = true;
void _exactKeys;

/** Options after validation: model-dependent settings stay undefined until detectionSettings() fills them from the manifest. */
export type ResolvedOptions = { [K in keyof typeof OPTIONS]: ReturnType<(typeof OPTIONS)[K]['parse']> };

function hopWithinWindow(p: Problems, hop: number | undefined, window: number | undefined, where = ''): void {
  if (hop !== undefined && window !== undefined && hop > window) {
    p.push(`wav2vec2HopSeconds (${hop}) must not exceed wav2vec2WindowSeconds (${window})${where}`);
  }
}

/** Validates user options; throws OptionsError listing every problem at once. */
export function resolveOptions(input: CryDetectorOptions = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new OptionsError(['options must be an object']);
  const p: Problems = [];
  for (const k of Object.keys(input)) if (!(k in OPTIONS)) p.push(`unknown option "${k}"`);
  const raw = input as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of OPTION_KEYS) out[k] = (OPTIONS[k] as OptionSpec<unknown>).parse(raw[k], p, k);
  const resolved = out as ResolvedOptions;
  if (resolved.apiKey !== undefined && resolved.backendUrl === undefined) p.push('apiKey is set but backendUrl is not');
  hopWithinWindow(p, resolved.wav2vec2HopSeconds, resolved.wav2vec2WindowSeconds);
  if (p.length) throw new OptionsError(p);
  return resolved;
}

/** The model-dependent settings a pipeline runs with: the user's options, else the model manifest's. */
export interface DetectionSettings {
  /** Fixed by the core (15600 samples); the manifest must agree. */
  yamnetWindowSeconds: number;
  yamnetHopSeconds: number;
  wav2vec2WindowSeconds: number;
  wav2vec2HopSeconds: number;
  /** The manifest's fusion JSON (weights, logistic model). */
  fusion: FusionConfig;
  fusionMethod: FusionMethod;
  thresholds: Thresholds;
  smoothing: Smoothing;
  minDurationSeconds: number;
  cooldownSeconds: number;
  /** Windows a clip's verdict is taken from (manifest clip_summary.windows; not an option: the build scored with it). */
  clipTopWindows: number;
}

/** Options whose default is the model manifest's. */
export const MANIFEST_OPTIONS = OPTION_KEYS.filter((k) => OPTIONS[k].default.kind === 'manifest');

/**
 * Merges resolved options with the model manifest. Every model-dependent value the user left unset
 * comes from the manifest and is validated like a user value; a missing or invalid manifest field is
 * an error naming it (never a silent fallback). Throws OptionsError.
 */
export function detectionSettings(manifest: Manifest, options: Partial<ResolvedOptions> = {}): DetectionSettings {
  const p: Problems = [];
  const merged: Record<string, unknown> = {};
  for (const k of MANIFEST_OPTIONS) {
    const d = OPTIONS[k].default as Extract<OptionDefault, { kind: 'manifest' }>;
    const fromManifest = d.get(manifest);
    const name = `model manifest ${d.field}`;
    let base: unknown;
    if (fromManifest === undefined || fromManifest === null) p.push(`${name} is missing`);
    else base = (OPTIONS[k] as OptionSpec<unknown>).parse(fromManifest, p, name);
    const user = options[k];
    // thresholds: a user value may set one label; the other stays the manifest's.
    merged[k] = k === 'thresholds' ? { ...(base as object), ...(user as object | undefined) } : (user ?? base);
  }
  const t = merged.thresholds as Partial<Thresholds>;
  if (!t.cry || !t.scream) p.push('model manifest thresholds needs both cry and scream');
  // The smoothing parser fills a user's missing alpha/size; the manifest must state its own.
  const ms = manifest.smoothing as Partial<Smoothing> | undefined;
  if (ms?.method === 'ema' && ms.alpha === undefined) p.push('model manifest smoothing.alpha is missing');
  if (ms?.method === 'median' && ms.size === undefined) p.push('model manifest smoothing.size is missing');
  const yamnetWindow = manifest.models?.yamnet?.window_samples;
  if (yamnetWindow !== 15600) p.push(`model manifest models.yamnet.window_samples must be 15600 (the core's 0.975 s patch), got ${JSON.stringify(yamnetWindow)}`);
  hopWithinWindow(p, merged.wav2vec2HopSeconds as number, merged.wav2vec2WindowSeconds as number, ' (options and model manifest combined)');
  // No fallback: a clip rule the package does not know would make eval disagree with the build's report.
  const clip = manifest.clip_summary as Partial<ManifestSettings['clip_summary']> | undefined;
  if (clip?.rule !== 'top_alarm_mean' || !Number.isInteger(clip.windows) || (clip.windows as number) < 1) {
    p.push(`model manifest clip_summary must be {"rule": "top_alarm_mean", "windows": integer >= 1}, got ${JSON.stringify(clip)} (rebuild the models)`);
  }
  if (p.length) throw new OptionsError(p);
  return {
    yamnetWindowSeconds: 15600 / SAMPLE_RATE,
    clipTopWindows: clip!.windows as number,
    fusion: manifest.fusion as FusionConfig,
    ...(merged as Omit<DetectionSettings, 'yamnetWindowSeconds' | 'fusion' | 'clipTopWindows'>),
  };
}

/** The options table of web/README.md, rendered from OPTIONS (a test keeps the README equal to it). */
export function optionsMarkdownTable(): string {
  const code = (v: unknown) => (typeof v === 'number' ? String(v) : `\`${JSON.stringify(v).replace(/"/g, "'")}\``);
  const rows = OPTION_KEYS.map((k) => {
    const s: OptionSpec<unknown> = OPTIONS[k];
    const unit = s.range ? `${s.unit}, ${s.range}` : s.unit;
    const d = s.default.kind === 'value' ? code(s.default.value) : s.default.kind === 'manifest' ? `model manifest (\`${s.default.field}\`)` : s.default.text;
    return `| \`${k}\` | ${unit} | ${d} | ${s.doc} |`;
  });
  return ['| option | unit / type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
