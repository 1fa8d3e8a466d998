// A whole clip's verdict (classify / `npx cryscope eval`), from its analysis windows.
// The rule is the models' evaluation rule (models/cryscope_models/metrics.py clip_probs), so the
// deployed path and the build's report agree file by file; its one parameter comes from the manifest.
import { LABELS, type ModelName, type Probs } from './labels.js';
import type { FileSummary, WindowResult } from './types.js';

/**
 * Mean of the `top` most alarming rows (largest 1 − p(normal); ties → the earlier row), or of all rows
 * when there are fewer. Why not the mean of all windows: a 30 s recording with 3 s of crying is a
 * recording of a cry — on held-out corpus families the all-window mean scored macro-F1 0.856, the mean
 * of the 3 most alarming windows 0.906 (models/EXPERIMENTS.md).
 */
export function topAlarmMean(rows: Probs[], top: number): Probs {
  if (!Number.isInteger(top) || top < 1) throw new RangeError(`clip summary: top windows must be an integer >= 1, got ${top}`);
  const order = rows.map((r, i) => ({ a: 1 - r[2], i })).sort((x, y) => y.a - x.a || x.i - y.i).slice(0, top);
  const s: Probs = [0, 0, 0];
  for (const { i } of order) for (let k = 0; k < 3; k++) s[k] += rows[i][k];
  return s.map((v) => v / order.length) as Probs;
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/**
 * Per-file summary: prediction = argmax of topAlarmMean over the ensemble's windows.
 * With `ensembleRows` (FramePipeline.fileEnsemble: one raw fusion per Wav2Vec2 window and its nearest-end
 * YAMNet window, or YAMNet's own windows when the fusion gives Wav2Vec2 no say) the ensemble rows are
 * those — exactly the models' Python evaluation rule.
 * Without them, the ensemble uses the windows where every model contributed (when there are any): the
 * first hops of a clip, before Wav2Vec2's first window is full, are YAMNet alone and would
 * otherwise count as "fused". Each model's own summary uses all of its windows: `perModel`
 * (FramePipeline.modelWindows: every window the model ran on, as the evaluation has them; the results
 * attached to the decisions would miss a window when two share a tick at a clip's end).
 * `topWindows`: the manifest's clip_summary.windows.
 */
export function summarize(windows: WindowResult[], ensembleRows: Probs[] | null | undefined, topWindows: number,
  perModel: Partial<Record<ModelName, Probs[]>>): FileSummary {
  if (windows.length === 0) throw new Error('no usable audio: the clip produced no analysis windows');
  const most = Math.max(...windows.map((w) => w.models.length));
  const full = windows.filter((w) => w.models.length === most);
  const ensemble = topAlarmMean(ensembleRows && ensembleRows.length ? ensembleRows : full.map((w) => w.fused), topWindows);
  const models: FileSummary['models'] = { ensemble };
  const y = perModel.yamnet ?? [];
  const v = perModel.wav2vec2 ?? [];
  if (y.length) models.yamnet = topAlarmMean(y, topWindows);
  if (v.length) models.wav2vec2 = topAlarmMean(v, topWindows);
  return { label: LABELS[argmax(ensemble)], probs: ensemble, models };
}
