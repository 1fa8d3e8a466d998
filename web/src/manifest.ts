// models/build/manifest.json (written by models/cryscope_models/pipeline.py): the model files and
// every model-dependent setting (windows, hops, fusion, thresholds, smoothing, events). Which of
// its fields the package reads as option defaults is declared in options.ts (OPTIONS, detectionSettings).
import type { ModelName } from './labels.js';
import { detectionSettings, type ManifestSettings } from './options.js';

export interface ModelEntry {
  file: string;
  sha256: string;
  bytes: number;
  fp32_file?: string;
  fp32_sha256?: string;
  fp32_bytes?: number;
  input: { name: string; shape: number[] };
  /** Window length in 16 kHz samples (what the model is trained and evaluated on). */
  window_samples: number;
  /** Default hop in 16 kHz samples (the hop thresholds and events were chosen at). */
  hop_samples: number;
}

export interface Manifest extends ManifestSettings {
  name: string;
  version: string;
  labels: string[];
  sample_rate: number;
  models: Partial<Record<ModelName, ModelEntry>>;
  audioset_labels_file?: string;
}

/**
 * Throws a clear error when the manifest is not one this package understands: labels, rate, model
 * files, and every model-dependent setting the options take their defaults from (each missing or
 * invalid field is named; nothing falls back to a number of the package's).
 */
export function checkManifest(m: unknown): Manifest {
  const problems: string[] = [];
  const o = m as Manifest;
  if (typeof m !== 'object' || m === null) throw new Error('model manifest is not a JSON object');
  if (JSON.stringify(o.labels) !== JSON.stringify(['cry', 'scream', 'normal'])) problems.push('labels must be ["cry","scream","normal"]');
  if (o.sample_rate !== 16000) problems.push('sample_rate must be 16000');
  if (!o.models || typeof o.models !== 'object') problems.push('models missing');
  else for (const k of ['yamnet', 'wav2vec2'] as const) {
    const e = o.models[k];
    if (!e || typeof e.file !== 'string' || !/^[0-9a-f]{64}$/.test(String(e.sha256))) problems.push(`models.${k} needs file and a hex sha256`);
  }
  if (!problems.length) {
    try {
      detectionSettings(o);
    } catch (e) {
      problems.push(...((e as { problems?: string[] }).problems ?? [String(e)]));
    }
  }
  if (problems.length) throw new Error(`model manifest is invalid: ${problems.join('; ')}`);
  return o;
}

/** Parses yamnet_class_map.csv (index,mid,display_name) into 521 display names. */
export function parseClassMap(csv: string): string[] {
  const names: string[] = [];
  const lines = csv.split(/\r?\n/).filter((l) => l.trim().length > 0);
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line);
    names.push(cells[2] ?? cells[cells.length - 1] ?? '');
  }
  return names;
}

/** RFC-4180-ish split of one CSV line (quoted fields with "" escapes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out;
}
