// Reads an evaluation manifest: header with a path column (file, path or file_path) and label;
// extra columns ignored; paths relative to the manifest's folder.
import { dirname, isAbsolute, resolve } from 'node:path';
import { splitCsvLine } from '../manifest.js';
import { LABELS, type Label } from '../labels.js';

export interface EvalRow {
  /** Line number in the CSV (1-based, header = 1). */
  line: number;
  /** Path as written in the manifest. */
  file: string;
  /** Absolute path. */
  path: string;
  label: Label | null;
  /** Why the row cannot be used (bad label, empty path) — reported, not dropped. */
  problem?: string;
}

export function parseEvalManifest(text: string, manifestPath: string): EvalRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const pathCol = ['file', 'path', 'file_path'].map((c) => header.indexOf(c)).find((i) => i >= 0);
  const labelCol = header.indexOf('label');
  if (pathCol === undefined) throw new Error(`${manifestPath}: the header needs a path column (file, path or file_path); found: ${header.join(', ')}`);
  if (labelCol < 0) throw new Error(`${manifestPath}: the header needs a "label" column`);
  const base = dirname(resolve(manifestPath));
  const rows: EvalRow[] = [];
  lines.slice(1).forEach((l, i) => {
    if (!l.trim()) return;
    const cells = splitCsvLine(l);
    const file = (cells[pathCol] ?? '').trim();
    const raw = (cells[labelCol] ?? '').trim().toLowerCase();
    const label = (LABELS as readonly string[]).includes(raw) ? (raw as Label) : null;
    const row: EvalRow = { line: i + 2, file, path: isAbsolute(file) ? file : resolve(base, file), label };
    if (!file) row.problem = 'empty path';
    else if (!label) row.problem = `unknown label "${raw}" (expected cry, scream or normal)`;
    rows.push(row);
  });
  if (!rows.length) throw new Error(`${manifestPath}: no rows`);
  return rows;
}
