// Builds FramePipelines from a loaded core, ORT sessions and the manifest. Shared by the Worker
// (live + clips in the browser) and by cryscope/node, so both run exactly the same path.
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { CryscopeCore, DeciderLike } from './core.js';
import type { ModelName, Probs } from './labels.js';
import { deciderConfig, type Manifest } from './manifest.js';
import { wav2vec2Fn, yamnetFn } from './models/onnx.js';
import type { ResolvedOptions } from './options.js';
import { FramePipeline, toProbs, type PipelineDeps, type Wav2vec2Fn } from './pipeline.js';

export interface EngineParts {
  core: CryscopeCore;
  ort: { Tensor: typeof Tensor };
  manifest: Manifest;
  sessions: Partial<Record<ModelName, InferenceSession>>;
  /** Models that run elsewhere (Wav2Vec2 in its own Worker), as pipeline model functions. */
  remote?: { wav2vec2?: Wav2vec2Fn };
  audiosetLabels?: string[];
  options: ResolvedOptions;
}

export class Engine {
  constructor(readonly parts: EngineParts) {}

  get models(): ModelName[] {
    const { sessions, remote } = this.parts;
    return (['yamnet', 'wav2vec2'] as ModelName[]).filter((m) => sessions[m] || (m === 'wav2vec2' && remote?.wav2vec2));
  }

  /** A fresh pipeline (own front-end and decider state) for audio at `inputSampleRate`. */
  createPipeline(inputSampleRate: number, overrides: Partial<ResolvedOptions> = {}): { pipeline: FramePipeline; dispose: () => void } {
    const { core, ort, manifest, sessions, remote } = this.parts;
    const o = { ...this.parts.options, ...overrides };
    const models = this.models;
    if (models.length === 0) throw new Error('no model is loaded');
    const frontEnd = new core.StreamFrontEnd({
      inputSampleRate,
      yamnetHopSeconds: o.yamnetHopSeconds,
      wav2vecWindowSeconds: o.wav2vec2WindowSeconds,
      wav2vecHopSeconds: o.wav2vec2HopSeconds,
      enableYamnet: models.includes('yamnet'),
      enableWav2vec2: models.includes('wav2vec2'),
    });
    let decider: DeciderLike;
    // A second Decider used only for stateless pair fusion (reset before each call): the file-level
    // ensemble fuses Wav2Vec2/YAMNet window pairs outside the streaming decision grid.
    let pairDecider: DeciderLike;
    try {
      const cfg = deciderConfig(manifest, o);
      decider = new core.Decider({ ...cfg, fusion: JSON.stringify(cfg.fusion) });
      pairDecider = new core.Decider({ ...cfg, fusion: JSON.stringify(cfg.fusion) });
    } catch (e) {
      frontEnd.delete?.();
      decider!?.delete?.();
      throw e;
    }
    const fuse = (yamnet: Probs, wav2vec2: Probs): Probs => {
      pairDecider.reset();
      return toProbs(pairDecider.update({ time: 0, yamnet: Float32Array.from(yamnet), wav2vec2: Float32Array.from(wav2vec2) }).fused);
    };
    const deps: PipelineDeps = {
      frontEnd,
      decider,
      models: {
        yamnet: sessions.yamnet ? yamnetFn(ort, sessions.yamnet, manifest.models.yamnet?.input.name, o.topAudioSetLabels > 0) : undefined,
        wav2vec2: remote?.wav2vec2 ?? (sessions.wav2vec2 ? wav2vec2Fn(ort, sessions.wav2vec2, manifest.models.wav2vec2?.input.name) : undefined),
      },
      timing: { yamnetWindow: 0.975, yamnetHop: o.yamnetHopSeconds, wav2vec2Window: o.wav2vec2WindowSeconds, wav2vec2Hop: o.wav2vec2HopSeconds },
      audiosetLabels: this.parts.audiosetLabels,
      topK: o.topAudioSetLabels,
      fuse,
    };
    return {
      pipeline: new FramePipeline(deps),
      dispose: () => { frontEnd.delete?.(); decider.delete?.(); pairDecider.delete?.(); },
    };
  }

  /** Model versions for the batch protocol. */
  versions(): { yamnet?: string; wav2vec2?: string; core?: string } {
    const v = this.parts.manifest.version.slice(0, 64);
    const out: { yamnet?: string; wav2vec2?: string; core?: string } = { core: String(this.parts.core.version).slice(0, 64) };
    for (const m of this.models) out[m] = v;
    return out;
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
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
