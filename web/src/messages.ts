// Messages between the main thread (CryDetector) and the Worker.
import type { AssetUrls } from './assets.js';
import type { ModelName } from './labels.js';
import type { DetectionSettings, ResolvedOptions } from './options.js';
import type { ClipResult, DetectionEvent, LoadProgress, WindowResult } from './types.js';

export type ToWorker =
  | { type: 'init'; options: ResolvedOptions; assets: AssetUrls }
  /** Live audio arrives via the SAB ring or on `port` (from the worklet). */
  | { type: 'start'; sampleRate: number; ring?: SharedArrayBuffer; port?: MessagePort }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'classify'; id: number; samples: Float32Array; sampleRate: number }
  | { type: 'stats' };

export interface StageStats {
  /** Total milliseconds spent per stage since start. */
  frontEndMs: number;
  yamnetMs: number;
  wav2vec2Ms: number;
  deciderMs: number;
  yamnetWindows: number;
  wav2vec2Windows: number;
  decisions: number;
  /** Seconds of audio processed. */
  audioSeconds: number;
  droppedSamples: number;
}

export interface ReadyInfo {
  models: ModelName[];
  versions: { yamnet?: string; wav2vec2?: string; core?: string };
  threads: number;
  /** Workers running models: 2 when Wav2Vec2 has its own Worker (options.parallelModels), else 1. */
  modelWorkers: number;
  manifestVersion: string;
  fusionMethod: string;
  /** The detection settings in use (options, else the model manifest's): the same as Node's for the same options. */
  settings: DetectionSettings;
  loadMs: number;
  failed: { model: ModelName; message: string }[];
}

export type FromWorker =
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'ready'; info: ReadyInfo }
  | { type: 'window'; window: WindowResult }
  | { type: 'event'; event: DetectionEvent }
  | { type: 'warning'; message: string }
  | { type: 'model-error'; model: ModelName; message: string }
  | { type: 'classified'; id: number; result: ClipResult }
  | { type: 'classify-error'; id: number; message: string }
  | { type: 'stats'; stats: StageStats }
  | { type: 'stopped' }
  | { type: 'error'; code: 'model-download' | 'model-load' | 'core-load' | 'runtime'; message: string };
