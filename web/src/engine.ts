// Builds FramePipelines from a loaded core, ORT sessions and the manifest. Shared by the Worker
// (live + clips in the browser) and by cryscope/node, so both run exactly the same path.
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { CryscopeCore, DeciderConfig, DeciderLike, FrontEndConfig } from './core.js';
import { MODEL_NAMES, type ModelName, type Probs } from './labels.js';
import type { Manifest } from './manifest.js';
import { wav2vec2Fn, yamnetFn } from './models/onnx.js';
import { detectionSettings, type DetectionSettings, type ResolvedOptions } from './options.js';
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

/** The core's StreamFrontEnd configuration for these settings: every field, never the core's defaults. */
export function frontEndConfig(s: DetectionSettings, inputSampleRate: number, models: readonly ModelName[]): FrontEndConfig {
  return {
    inputSampleRate,
    yamnetHopSeconds: s.yamnetHopSeconds,
    wav2vec2WindowSeconds: s.wav2vec2WindowSeconds,
    wav2vec2HopSeconds: s.wav2vec2HopSeconds,
    enableYamnet: models.includes('yamnet'),
    enableWav2vec2: models.includes('wav2vec2'),
  };
}

/** The core's Decider configuration for these settings: every field, never the core's defaults. */
export function deciderConfig(s: DetectionSettings): DeciderConfig {
  return {
    fusion: JSON.stringify(s.fusion),
    method: s.fusionMethod,
    smoothing: s.smoothing,
    thresholds: s.thresholds,
    minDurationSeconds: s.minDurationSeconds,
    cooldownSeconds: s.cooldownSeconds,
  };
}

export class Engine {
  /** The settings every pipeline of this engine runs with (options, else the model manifest's). */
  readonly settings: DetectionSettings;

  constructor(readonly parts: EngineParts) {
    this.settings = detectionSettings(parts.manifest, parts.options);
  }

  get models(): ModelName[] {
    const { sessions, remote } = this.parts;
    return MODEL_NAMES.filter((m) => sessions[m] || (m === 'wav2vec2' && remote?.wav2vec2));
  }

  /**
   * Whether Wav2Vec2's output can change a decision under these settings: not when the fusion is a
   * weighted (arithmetic or geometric) mean that gives it weight 0 — then the fused value is YAMNet's.
   */
  wav2vec2Matters(): boolean {
    const s = this.settings;
    const w = s.fusion.weights ?? [0.5, 0.5];
    return !((s.fusionMethod === 'weighted_mean' || s.fusionMethod === 'geometric_mean') && w[1] === 0 && w[0] > 0);
  }

  /** Models a pipeline runs: all loaded ones for clips; live, without Wav2Vec2 when the cascade says it cannot matter. */
  pipelineModels(live: boolean): ModelName[] {
    const models = this.models;
    if (!live || !this.parts.options.cascade || this.wav2vec2Matters() || !models.includes('yamnet')) return models;
    return models.filter((m) => m !== 'wav2vec2');
  }

  /**
   * A fresh pipeline (own front-end and decider state) for audio at `inputSampleRate`. `live`: a
   * listening stream, which gets the level gate and the cascade when the options ask for them;
   * clip analysis (classify/eval) always runs every model on every window.
   */
  createPipeline(inputSampleRate: number, onTiming?: PipelineDeps['onTiming'], live = false): { pipeline: FramePipeline; dispose: () => void } {
    const { core, ort, manifest, sessions, remote } = this.parts;
    const o = this.parts.options;
    const s = this.settings;
    const models = this.pipelineModels(live);
    if (models.length === 0) throw new Error('no model is loaded');
    const frontEnd = new core.StreamFrontEnd(frontEndConfig(s, inputSampleRate, models));
    let decider: DeciderLike;
    // A second Decider used only for stateless pair fusion (reset before each call): the file-level
    // ensemble fuses Wav2Vec2/YAMNet window pairs outside the streaming decision grid.
    let pairDecider: DeciderLike;
    try {
      decider = new core.Decider(deciderConfig(s));
      pairDecider = new core.Decider(deciderConfig(s));
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
        yamnet: sessions.yamnet && models.includes('yamnet') ? yamnetFn(ort, sessions.yamnet, manifest.models.yamnet?.input.name, o.topAudioSetLabels > 0) : undefined,
        wav2vec2: !models.includes('wav2vec2') ? undefined : remote?.wav2vec2 ?? (sessions.wav2vec2 ? wav2vec2Fn(ort, sessions.wav2vec2, manifest.models.wav2vec2?.input.name) : undefined),
      },
      timing: { yamnetWindow: s.yamnetWindowSeconds, yamnetHop: s.yamnetHopSeconds, wav2vec2Window: s.wav2vec2WindowSeconds, wav2vec2Hop: s.wav2vec2HopSeconds },
      audiosetLabels: this.parts.audiosetLabels,
      topK: o.topAudioSetLabels,
      fuse,
      ensembleIsYamnet: !this.wav2vec2Matters(),
      onTiming,
      clipTopWindows: s.clipTopWindows,
      gate: live && o.levelGate ? { sampleRate: inputSampleRate, thresholdDb: o.levelGateDb, hangoverSeconds: o.levelGateHangoverSeconds } : undefined,
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
