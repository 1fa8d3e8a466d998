// Result and event types shared by the pipeline, the worker, the detector and the Node entry.
import type { EventLabel, ModelName, Probs } from './labels.js';

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
}

export interface DetectionEvent {
  type: 'onset' | 'offset';
  label: EventLabel;
  /** Episode start, seconds of stream time. */
  start: number;
  /** Episode end, seconds (offset only). */
  end?: number;
  /** Peak smoothed probability of the label during the episode so far. */
  peak: number;
  /** Mean smoothed probability of the label during the episode (when the core reports it). */
  mean?: number;
}

export interface FileSummary {
  /** argmax of `probs`. */
  label: 'cry' | 'scream' | 'normal';
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
