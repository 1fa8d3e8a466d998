import type { Classifier, decodeAudio } from 'cryscope/node';
import { BATCH_SCHEMA_V1, type BatchEvent, type BatchWindow, type DetectionBatchV1, type Probs3 } from 'cryscope/protocol';
import type { Db } from '../db/adapter.js';
import { clipForClassification, saveClipResult } from '../store/clips.js';

/**
 * The part of cryscope/node's API the clip workflow uses, typed by the package's own
 * declarations (results, labels and events are the package's types, not copies).
 */
export interface ClipClassifier {
  classify: Classifier['classify'];
  decodeAudio: typeof decodeAudio;
  version: DetectionBatchV1['models'];
}

/**
 * Loads `cryscope/node` (the package's Node entry: same WASM core + ONNX models as the
 * browser) on first use. Throws a clear error when the entry or its models are not available.
 */
export async function loadClipClassifier(modelsDir?: string): Promise<ClipClassifier> {
  let mod: typeof import('cryscope/node');
  try {
    mod = await import('cryscope/node');
  } catch (err) {
    throw new Error(`cryscope/node is not available (${(err as Error).message})`);
  }
  const c = await mod.loadClassifier(modelsDir ? { modelsDir } : {});
  const modelsVersion = String(c.manifest?.version ?? 'unknown').slice(0, 64);
  const version: ClipClassifier['version'] = { core: String(c.coreVersion ?? 'unknown').slice(0, 64) };
  for (const m of c.models ?? ['yamnet', 'wav2vec2']) version[m] = modelsVersion;
  return {
    classify: (s, r) => c.classify(s, r),
    decodeAudio: (b) => mod.decodeAudio(b),
    version,
  };
}

const clamp = (p: number) => Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0));
const probs3 = (p: readonly number[]): Probs3 => [clamp(p[0]), clamp(p[1]), clamp(p[2])];

/** Classifies a stored clip and turns the result into a batch (batchId = clipId). */
export async function classifyStoredClip(db: Db, clipId: string, classifier: ClipClassifier): Promise<DetectionBatchV1> {
  const row = await clipForClassification(db, clipId);
  if (!row) throw new Error(`clip ${clipId} not found`);
  if (!row.audio) throw new Error(`clip ${clipId} has no audio (already processed?)`);
  const { samples, sampleRate } = await classifier.decodeAudio(new Uint8Array(row.audio));
  const result = await classifier.classify(samples, sampleRate);
  const windows: BatchWindow[] = result.windows.map((w) => {
    const probs: BatchWindow['probs'] = { fused: probs3(w.fused) };
    if (w.yamnet) probs.yamnet = probs3(w.yamnet);
    if (w.wav2vec2) probs.wav2vec2 = probs3(w.wav2vec2);
    return { start: w.start, end: Math.max(w.start, w.end), probs };
  });
  const events: BatchEvent[] = result.events.map((e) => {
    const ev: BatchEvent = { type: e.type, label: e.label, start: e.start, peak: clamp(e.peak) };
    if (e.type === 'offset' && e.end !== undefined) ev.end = Math.max(e.start, e.end);
    if (e.mean !== undefined) ev.mean = clamp(e.mean);
    return ev;
  });
  // The clip-level verdict (label + probabilities) is kept with the clip for GET /api/v1/clips/{id}.
  await saveClipResult(db, clipId, { duration: result.duration, file: result.file ?? null });
  const receivedAt = row.received_at instanceof Date ? row.received_at.toISOString() : new Date(row.received_at).toISOString();
  return {
    schema: BATCH_SCHEMA_V1, batchId: clipId, sessionId: row.session_id, deviceId: row.device_id,
    sentAt: receivedAt, sessionStartedAt: receivedAt, models: classifier.version, windows, events,
  };
}
