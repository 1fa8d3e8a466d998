// cryscope/node — the same WASM core + ONNX Runtime Web (WASM backend) path as the browser, for
// files on disk. Used by the CLI (`npx cryscope classify|eval`) and by the server's /api/v1/clips.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CreateCore, CryscopeCore } from '../core.js';
import { sha256Hex } from '../engine.js';
import { loadEngine, ManifestError, type LoadedEngine, type ModelSource } from '../engine-loader.js';
import type { ModelName } from '../labels.js';
import type { Manifest } from '../manifest.js';
import { resolveOptions, type CryDetectorOptions, type DetectionSettings } from '../options.js';
import { checkClip, classifyClip, type PipelineEvent, type StageTiming } from '../pipeline.js';
import type { ClipResult } from '../types.js';
import { isWav, parseWav, type DecodedAudio } from '../wav.js';
import { decodeFlac } from './flac.js';

export type { ClipResult, WindowResult, DetectionEvent, FileSummary } from '../types.js';
export type { Manifest } from '../manifest.js';
export type { DetectionSettings } from '../options.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Walks up from this file looking for a path (works from web/src/node and from web/dist). */
function findUp(rel: string, from = here): string | undefined {
  let d = from;
  for (let i = 0; i < 6; i++) {
    const p = join(d, rel);
    if (existsSync(p)) return p;
    d = dirname(d);
  }
  return undefined;
}

/** The bundled copy next to this file when running from the package's dist/ (not from source). */
function bundled(rel: string): string | undefined {
  const p = join(here, rel);
  return existsSync(p) ? p : undefined;
}

/** Default models folder: CRYSCOPE_MODELS_DIR, the package's bundled models, else <repo>/models/build. */
export function defaultModelsDir(): string {
  if (process.env.CRYSCOPE_MODELS_DIR) return resolve(process.env.CRYSCOPE_MODELS_DIR);
  // From source (tests, repo checkout) prefer the freshly built models over a possibly stale dist copy.
  const found = bundled('models/manifest.json') ?? findUp('models/build/manifest.json') ?? findUp('dist/models/manifest.json');
  if (!found) throw new Error('no models found: build them (bash scripts/models-setup.sh) or pass modelsDir');
  return dirname(found);
}

let corePromise: Promise<CryscopeCore> | undefined;
/** Loads the WASM core once: the package's dist/core, else <repo>/wasm/dist. */
export function loadCore(): Promise<CryscopeCore> {
  corePromise ??= (async () => {
    const p = process.env.CRYSCOPE_CORE_MJS ?? bundled('core/cryscope_core.mjs') ?? findUp('wasm/dist/cryscope_core.mjs') ?? findUp('dist/core/cryscope_core.mjs');
    if (!p) throw new Error('the WASM core is missing: build it (bash scripts/wasm-setup.sh)');
    const mod = (await import(pathToFileURL(p).href)) as { default: CreateCore };
    return mod.default();
  })();
  return corePromise;
}

export interface LoadClassifierOptions extends Omit<CryDetectorOptions, 'modelBaseUrl' | 'modelUrls' | 'backendUrl' | 'apiKey' | 'cacheModels' | 'assetBaseUrl'> {
  /** Folder with manifest.json and the ONNX files. Default: see defaultModelsDir(). */
  modelsDir?: string;
}

/** A live-like stream in Node: the browser's listening pipeline (level gate and cascade as the options say). */
export interface ClassifierStream {
  /** Feeds audio at the stream's rate (await each call before the next). */
  process(samples: Float32Array): Promise<PipelineEvent[]>;
  /** Ends the stream (closes open episodes). */
  finish(): Promise<PipelineEvent[]>;
  /** Models this stream runs (the cascade may leave Wav2Vec2 out). */
  models: ModelName[];
  /** Windows the level gate was asked about / let through (null: gate off). */
  gateStats(): { windows: number; analysed: number } | null;
  dispose(): void;
}

export interface Classifier {
  classify(samples: Float32Array, sampleRate: number): Promise<ClipResult>;
  /** A listening stream (as CryDetector's in the browser), e.g. for benchmarks of the gate and cascade. */
  stream(sampleRate: number, onTiming?: (t: StageTiming) => void): ClassifierStream;
  manifest: Manifest;
  /** The detection settings in use (options, else the model manifest's): the same as the browser's for the same options. */
  settings: DetectionSettings;
  /** Models actually loaded. */
  models: ModelName[];
  coreVersion: string;
  dispose(): Promise<void>;
}

export async function loadClassifier(opts: LoadClassifierOptions = {}): Promise<Classifier> {
  const { modelsDir: dirOpt, ...rest } = opts;
  const options = resolveOptions(rest);
  const dir = dirOpt ? resolve(dirOpt) : defaultModelsDir();
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = options.threads ?? 1;
  ort.env.logLevel = 'error';
  const core = await loadCore();
  const source: ModelSource = {
    manifest: async () => new Uint8Array(await readFile(join(dir, 'manifest.json'))),
    async model(_m, file, sha256) {
      const bytes = new Uint8Array(await readFile(join(dir, file)).catch((e) => { throw new Error(`model file missing: ${join(dir, file)} (${e.code ?? e})`); }));
      if (sha256) {
        const got = await sha256Hex(bytes);
        if (got !== sha256) throw new Error(`${file}: sha256 ${got} does not match the manifest (${sha256}); the file is corrupt or stale`);
      }
      return bytes;
    },
    classMap: async (file) => (existsSync(join(dir, file)) ? readFile(join(dir, file), 'utf8') : undefined),
  };
  let loaded: LoadedEngine;
  try {
    loaded = await loadEngine({ options, core, ort, source, tolerateModelFailures: false });
  } catch (e) {
    if (e instanceof ManifestError) throw new Error(`cannot read the model manifest in ${dir}: ${e.message}`);
    throw e;
  }
  const { engine, manifest, sessions } = loaded;
  return {
    manifest,
    settings: engine.settings,
    models: engine.models,
    coreVersion: String(core.version),
    async classify(samples, sampleRate) {
      checkClip(samples, sampleRate); // before allocating core objects: clear errors, nothing to free
      const { pipeline, dispose } = engine.createPipeline(sampleRate);
      try {
        const r = await classifyClip(pipeline, samples, sampleRate);
        const { warnings: _w, ...clip } = r;
        return clip;
      } finally {
        dispose();
      }
    },
    stream(sampleRate, onTiming) {
      const { pipeline, dispose } = engine.createPipeline(sampleRate, onTiming, true);
      return {
        process: (x) => pipeline.process(x),
        finish: () => pipeline.finish(),
        models: pipeline.activeModels,
        gateStats: () => pipeline.gateStats,
        dispose,
      };
    },
    async dispose() {
      for (const s of Object.values(sessions)) await s?.release();
    },
  };
}

/** Decodes WAV or FLAC bytes to mono float samples at the file's own rate. */
export async function decodeAudio(bytes: Uint8Array): Promise<DecodedAudio> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeAudio expects a Uint8Array');
  if (isWav(bytes)) return parseWav(bytes);
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'fLaC') return decodeFlac(bytes);
  throw new Error('unsupported audio format: expected WAV or FLAC');
}

/** Reads and decodes an audio file. */
export async function decodeFile(path: string): Promise<DecodedAudio> {
  return decodeAudio(new Uint8Array(await readFile(path)));
}
