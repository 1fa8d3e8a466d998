// cryscope — in-browser detection of infant crying, screaming and normal sound.
//   const detector = await CryDetector.create({ backendUrl: '/' });
//   detector.on('onset', (e) => console.log(e.label, e.start));
//   await detector.start();
export { CryDetector, CryDetectorError, supportProblems } from './detector.js';
export type { DetectorEvents, DetectorState, ErrorCode, Handlers, HealthEvent } from './detector.js';
export type { CaptureProblem } from './capture-health.js';
export type { WakeLockState } from './wake-lock.js';
export { resolveOptions, detectionSettings, OptionsError, FUSION_METHODS, OPTIONS } from './options.js';
export type { CryDetectorOptions, DetectionSettings, FusionMethod, Thresholds, Hysteresis, Smoothing, ModelUrls, OptionSpec } from './options.js';
export { LABELS } from './labels.js';
export type { Label, EventLabel, ModelName, Probs } from './labels.js';
export type { WindowResult, DetectionEvent, ClipResult, FileSummary, LoadProgress, AudioSetLabel } from './types.js';
export type { PosterStatus } from './poster.js';
export type { StageStats, ReadyInfo } from './messages.js';
export { FramePipeline } from './pipeline.js';
export type { PipelineEvent, PipelineDeps, YamnetFn, Wav2vec2Fn } from './pipeline.js';
export { CACHE_NAME as MODEL_CACHE_NAME } from './models/fetch.js';
