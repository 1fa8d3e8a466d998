// Loads an Engine: the model manifest, one ONNX Runtime session per model, the AudioSet class
// names. One path for the browser's pipeline worker (files fetched, verified and cached) and for
// cryscope/node (files read from a folder); where the bytes come from is the caller's ModelSource.
import type { InferenceSession } from 'onnxruntime-web';
import type { CryscopeCore } from './core.js';
import { Engine, type EngineParts } from './engine.js';
import type { ModelName } from './labels.js';
import { checkManifest, parseClassMap, type Manifest } from './manifest.js';
import type { ResolvedOptions } from './options.js';
import type { Wav2vec2Fn } from './pipeline.js';

type Ort = EngineParts['ort'] & { InferenceSession: { create(bytes: Uint8Array, o: InferenceSession.SessionOptions): Promise<InferenceSession> } };

/** The same session options everywhere (browser workers and Node). */
export function createSession(ort: Ort, bytes: Uint8Array): Promise<InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

export interface ModelSource {
  /** The bytes of manifest.json. */
  manifest(): Promise<Uint8Array>;
  /** The bytes of a model file, checked against `sha256` when given (throws when they differ). */
  model(model: ModelName, file: string, sha256: string | undefined): Promise<Uint8Array>;
  /** The AudioSet class map CSV, or undefined when it cannot be had (the source reports why). */
  classMap(file: string): Promise<string | undefined>;
}

export interface LoadEngineArgs {
  options: ResolvedOptions;
  core: CryscopeCore;
  ort: Ort;
  source: ModelSource;
  /**
   * Runs Wav2Vec2 elsewhere (the browser's model worker): resolves with its model function, or
   * undefined to load it here after all. A rejection counts as the model failing to load.
   */
  remoteWav2vec2?: (file: string, sha256: string | undefined) => Promise<Wav2vec2Fn | undefined>;
  /** true (browser): a model that fails to load is reported in `failed` and the others run; false (Node): it throws. */
  tolerateModelFailures: boolean;
}

/** The manifest could not be read or is not one this package understands. */
export class ManifestError extends Error {
  constructor(message: string, readonly cause: unknown) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface LoadedEngine {
  engine: Engine;
  manifest: Manifest;
  sessions: Partial<Record<ModelName, InferenceSession>>;
  failed: { model: ModelName; message: string }[];
}

export async function loadEngine(a: LoadEngineArgs): Promise<LoadedEngine> {
  const { options, core, ort, source } = a;
  let manifest: Manifest;
  try {
    manifest = checkManifest(JSON.parse(new TextDecoder().decode(await source.manifest())));
  } catch (e) {
    throw new ManifestError(e instanceof Error ? e.message : String(e), e);
  }

  const sessions: Partial<Record<ModelName, InferenceSession>> = {};
  let remote: Wav2vec2Fn | undefined;
  const failed: { model: ModelName; message: string }[] = [];
  for (const m of options.models) {
    try {
      const { file, sha256 } = modelFile(manifest, m, options.wav2vec2Precision);
      const check = options.verifySha256 ? sha256 : undefined;
      if (m === 'wav2vec2' && a.remoteWav2vec2) {
        remote = await a.remoteWav2vec2(file, check);
        if (remote) continue;
      }
      sessions[m] = await createSession(ort, await source.model(m, file, check));
    } catch (e) {
      if (!a.tolerateModelFailures) throw e;
      failed.push({ model: m, message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!Object.keys(sessions).length && !remote) {
    const msg = failed.map((f) => `${f.model}: ${f.message}`).join('; ');
    throw Object.assign(new Error(`no model could be loaded — ${msg}`), { code: failed.some((f) => /download|HTTP|corrupt|offline/.test(f.message)) ? 'model-download' : 'model-load' });
  }

  let audiosetLabels: string[] | undefined;
  if (sessions.yamnet && options.topAudioSetLabels > 0 && manifest.audioset_labels_file) {
    const csv = await source.classMap(manifest.audioset_labels_file);
    if (csv !== undefined) audiosetLabels = parseClassMap(csv);
  }
  const engine = new Engine({ core, ort, manifest, sessions, remote: remote ? { wav2vec2: remote } : undefined, audiosetLabels, options });
  return { engine, manifest, sessions, failed };
}

/** Which file and hash to load for a model given the chosen precision. */
export function modelFile(manifest: Manifest, model: ModelName, precision: 'int8' | 'fp32'): { file: string; sha256: string } {
  const e = manifest.models[model];
  if (!e) throw new Error(`the model manifest has no "${model}" model`);
  if (model === 'wav2vec2' && precision === 'fp32') {
    if (!e.fp32_file || !e.fp32_sha256) throw new Error('the manifest has no fp32 Wav2Vec2 file');
    return { file: e.fp32_file, sha256: e.fp32_sha256 };
  }
  return { file: e.file, sha256: e.sha256 };
}
