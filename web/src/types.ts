// Result and event types shared by the pipeline, the worker, the detector and the Node entry.
import type { Label, ModelName, Probs } from './labels.js';
import type { BatchEvent } from './protocol/types.js';

export interface AudioSetLabel {
  label: string;
  score: number;
}

/** One decision on the hop grid: what each model said about its latest window and the fused result. */
export interface WindowResult {
  /** Start of the earliest contributing window, seconds of stream time (16 kHz clock). */
  start: number;
  /** End of the decision window (latest contributing window end), seconds of stream time. */
  end: number;
  yamnet?: Probs;
  wav2vec2?: Probs;
  /** Fused probabilities before smoothing (cry, scream, normal). */
  fused: Probs;
  /** Fused probabilities after smoothing — what the thresholds are applied to. */
  smoothed: Probs;
  /** Fusion method used. */
  method: string;
  /** Models that contributed to this decision. */
  models: ModelName[];
  /** YAMNet's top AudioSet classes for its latest window (when YAMNet ran). */
  topAudioSet?: AudioSetLabel[];
  /**
   * true when the level gate skipped the models for this decision (the room was quiet): no model
   * probabilities, and the Decider was given "normal" (pipeline.ts GATED_PROBS).
   */
  gated?: boolean;
}

/**
 * An onset or offset of a cry/scream episode: start/end in seconds of stream time, peak/mean smoothed
 * probability (an onset reports them so far). The same shape the backend receives in a batch
 * (protocol BatchEvent), so events are posted as they are.
 */
export type DetectionEvent = BatchEvent;

export interface FileSummary {
  /** argmax of `probs`. */
  label: Label;
  /** Mean fused probability over windows. */
  probs: Probs;
  models: { yamnet?: Probs; wav2vec2?: Probs; ensemble: Probs };
}

export interface ClipResult {
  /** Clip duration in seconds. */
  duration: number;
  windows: WindowResult[];
  events: DetectionEvent[];
  file: FileSummary;
}

export interface LoadProgress {
  /** 'core' | 'ort' | 'yamnet' | 'wav2vec2' | 'manifest' | 'labels' */
  asset: string;
  loaded: number;
  /** Total bytes, or 0 when unknown. */
  total: number;
  /** True when served from Cache Storage. */
  cached?: boolean;
  done?: boolean;
}
