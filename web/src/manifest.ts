// models/build/manifest.json (BRIEF "ONNX models") and how detection settings are derived from it.
import type { DeciderConfig } from './core.js';
import type { ResolvedOptions } from './options.js';

export interface ModelEntry {
  file: string;
  sha256: string;
  bytes: number;
  fp32_file?: string;
  fp32_sha256?: string;
  fp32_bytes?: number;
  input: { name: string; shape: number[] };
  window_samples: number;
  hop_samples: number;
}

export interface Manifest {
  name: string;
  version: string;
  labels: string[];
  sample_rate: number;
  models: { yamnet?: ModelEntry; wav2vec2?: ModelEntry };
  audioset_labels_file?: string;
  fusion: { default: string; labels?: string[]; [k: string]: unknown };
  thresholds: DeciderConfig['thresholds'];
  smoothing: DeciderConfig['smoothing'];
  events: { min_duration_s: number; cooldown_s: number };
}

/** Throws a clear error when the manifest is not one this package understands. */
export function checkManifest(m: unknown): Manifest {
  const problems: string[] = [];
  const o = m as Manifest;
  if (typeof m !== 'object' || m === null) throw new Error('model manifest is not a JSON object');
  if (JSON.stringify(o.labels) !== JSON.stringify(['cry', 'scream', 'normal'])) problems.push('labels must be ["cry","scream","normal"]');
  if (o.sample_rate !== 16000) problems.push('sample_rate must be 16000');
  if (!o.models || typeof o.models !== 'object') problems.push('models missing');
  else for (const [k, e] of Object.entries(o.models)) {
    if (!e || typeof e.file !== 'string' || !/^[0-9a-f]{64}$/.test(String(e.sha256))) problems.push(`models.${k} needs file and a hex sha256`);
  }
  if (!o.fusion || typeof o.fusion.default !== 'string') problems.push('fusion.default missing');
  if (!o.thresholds?.cry || !o.thresholds?.scream) problems.push('thresholds missing');
  if (problems.length) throw new Error(`model manifest is invalid: ${problems.join('; ')}`);
  return o;
}

/** Decider settings: user options win, the manifest fills the rest. */
export function deciderConfig(m: Manifest, o: Pick<ResolvedOptions, 'fusionMethod' | 'thresholds' | 'smoothing' | 'minDurationSeconds' | 'cooldownSeconds'>): DeciderConfig {
  return {
    fusion: m.fusion,
    method: o.fusionMethod ?? m.fusion.default,
    smoothing: o.smoothing ?? m.smoothing ?? { method: 'ema', alpha: 0.5 },
    thresholds: {
      cry: o.thresholds?.cry ?? m.thresholds.cry,
      scream: o.thresholds?.scream ?? m.thresholds.scream,
    },
    minDurationSeconds: o.minDurationSeconds ?? m.events?.min_duration_s ?? 1.0,
    cooldownSeconds: o.cooldownSeconds ?? m.events?.cooldown_s ?? 2.0,
  };
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
