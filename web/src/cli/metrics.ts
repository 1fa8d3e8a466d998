// Classification metrics for `cryscope eval` (same definitions as the Python report):
// per-class precision/recall/F1 (0 when undefined), macro-F1 = unweighted mean of the three F1s,
// confusion rows = truth, columns = prediction, order cry, scream, normal.
import { LABELS, type Label } from '../labels.js';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  per_class: Record<Label, ClassMetrics>;
  confusion: number[][];
}

export function computeMetrics(truth: Label[], pred: Label[]): Metrics {
  if (truth.length !== pred.length) throw new Error('truth and prediction lengths differ');
  const idx = (l: Label) => {
    const i = LABELS.indexOf(l);
    if (i < 0) throw new Error(`unknown label "${l}"`);
    return i;
  };
  const confusion = LABELS.map(() => LABELS.map(() => 0));
  truth.forEach((t, i) => confusion[idx(t)][idx(pred[i])]++);
  const n = truth.length;
  let correct = 0;
  for (let i = 0; i < 3; i++) correct += confusion[i][i];
  const per_class = {} as Record<Label, ClassMetrics>;
  let f1sum = 0;
  LABELS.forEach((l, i) => {
    const tp = confusion[i][i];
    const support = confusion[i].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    per_class[l] = { precision, recall, f1, support };
    f1sum += f1;
  });
  return { n, accuracy: n ? correct / n : 0, macro_f1: f1sum / 3, per_class, confusion };
}

/** A fixed-width text table of metrics for the terminal. */
export function formatMetrics(title: string, m: Metrics): string {
  const pct = (v: number) => v.toFixed(3);
  const lines = [
    `${title}: n=${m.n}  accuracy=${pct(m.accuracy)}  macro-F1=${pct(m.macro_f1)}`,
    `  ${'class'.padEnd(8)} ${'prec'.padStart(6)} ${'recall'.padStart(6)} ${'f1'.padStart(6)} ${'n'.padStart(5)}   confusion (pred cry/scream/normal)`,
  ];
  LABELS.forEach((l, i) => {
    const c = m.per_class[l];
    lines.push(`  ${l.padEnd(8)} ${pct(c.precision).padStart(6)} ${pct(c.recall).padStart(6)} ${pct(c.f1).padStart(6)} ${String(c.support).padStart(5)}   ${m.confusion[i].map((v) => String(v).padStart(5)).join(' ')}`);
  });
  return lines.join('\n');
}
