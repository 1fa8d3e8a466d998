#!/usr/bin/env node
// Writes the evaluation manifest of the TEST split (models/splits/split.csv, split == "test") with
// paths pointing into ../shared/data, relative to the output file's folder, so that
//   npx cryscope eval <out> --json report.json
// reproduces the models report's test numbers through the deployed path (WASM core + ORT-web).
//   node web/scripts/test-split-manifest.mjs [OUT] [SPLIT]   (default: <repo>/build/web/test-split.csv, test)
// SPLIT val gives the validation split (for choosing settings without touching the test split).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
const out = resolve(process.argv[2] ?? join(root, 'build/web/test-split.csv'));
const which = process.argv[3] ?? 'test';
if (!['train', 'val', 'test'].includes(which)) throw new Error(`split must be train, val or test, got ${which}`);
// Minimal RFC-4180 field splitter (quoted fields may contain commas).
const cells = (line) => {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
};
const split = readFileSync(join(root, 'models/splits/split.csv'), 'utf8').trim().split(/\r?\n/);
const header = cells(split[0]);
const iFile = header.indexOf('file');
const iLabel = header.indexOf('label');
const iSplit = header.indexOf('split');
if (iFile < 0 || iLabel < 0 || iSplit < 0) throw new Error('split.csv needs file,label,split columns');
const rows = split.slice(1).map(cells).filter((c) => c[iSplit] === which);
mkdirSync(dirname(out), { recursive: true });
const rel = relative(dirname(out), join(shared, 'data'));
const q = (s) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
writeFileSync(out, ['file,label', ...rows.map((c) => `${q(join(rel, c[iFile]))},${c[iLabel]}`)].join('\n') + '\n');
console.error(`wrote ${rows.length} ${which} clips to ${out}`);
