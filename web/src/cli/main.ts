// `npx cryscope classify|eval` — runs the deployed path (WASM core + ONNX Runtime Web) on files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LABELS, type Label } from '../labels.js';
import { decodeFile, loadClassifier, type Classifier } from '../node/index.js';
import { argmax } from '../clip-summary.js';
import type { ClipResult } from '../types.js';
import { classifierOptions, parseArgs, UsageError, USAGE, type Command } from './args.js';
import { parseEvalManifest } from './manifest-csv.js';
import { computeMetrics, formatMetrics, type Metrics } from './metrics.js';

const f3 = (v: number) => v.toFixed(3);
const probsText = (p: number[]) => LABELS.map((l, i) => `${l} ${f3(p[i])}`).join(' ');

async function load(c: Extract<Command, { cmd: 'classify' | 'eval' }>): Promise<Classifier> {
  if (!c.quiet) process.stderr.write('loading models…\n');
  return loadClassifier(classifierOptions(c));
}

async function classifyCmd(c: Extract<Command, { cmd: 'classify' }>): Promise<number> {
  const clf = await load(c);
  const results: ({ path: string } & (ClipResult | { error: string }))[] = [];
  let failed = 0;
  for (const file of c.files) {
    try {
      const a = await decodeFile(file);
      const r = await clf.classify(a.samples, a.sampleRate);
      results.push({ path: file, ...r });
      if (!c.json) {
        console.log(`${file}  (${r.duration.toFixed(2)} s, ${a.sampleRate} Hz)`);
        for (const w of r.windows) {
          const parts = [`  ${w.start.toFixed(2).padStart(6)}–${w.end.toFixed(2).padEnd(6)} fused: ${probsText(w.fused)}`];
          if (w.yamnet) parts.push(`yamnet: ${probsText(w.yamnet)}`);
          if (w.wav2vec2) parts.push(`wav2vec2: ${probsText(w.wav2vec2)}`);
          if (w.topAudioSet?.length) parts.push(`top: ${w.topAudioSet.map((t) => `${t.label} ${f3(t.score)}`).join(', ')}`);
          console.log(parts.join(' | '));
        }
        for (const e of r.events) console.log(`  event ${e.type} ${e.label} start ${e.start.toFixed(2)}${e.end !== undefined ? ` end ${e.end.toFixed(2)}` : ''} peak ${f3(e.peak)}`);
        console.log(`  => ${r.file.label}  (${probsText(r.file.probs)})\n`);
      }
    } catch (e) {
      failed++;
      const error = e instanceof Error ? e.message : String(e);
      results.push({ path: file, error });
      process.stderr.write(`${file}: ${error}\n`);
    }
  }
  if (c.json) console.log(JSON.stringify({ manifest: { version: clf.manifest.version }, core: clf.coreVersion, models: clf.models, results }, null, 1));
  await clf.dispose();
  return failed ? 1 : 0;
}

interface FileOutcome {
  file: string;
  label: Label;
  pred?: Label;
  probs?: number[];
  models?: ClipResult['file']['models'];
  windows?: number;
  error?: string;
}

async function evalCmd(c: Extract<Command, { cmd: 'eval' }>): Promise<number> {
  const rows = parseEvalManifest(await readFile(c.manifest, 'utf8'), c.manifest).slice(0, c.limit ?? Infinity);
  const clf = await load(c);
  const outcomes: FileOutcome[] = [];
  const t0 = performance.now();
  for (const [i, row] of rows.entries()) {
    if (!c.quiet && (i % 10 === 0 || i === rows.length - 1)) process.stderr.write(`\r[${i + 1}/${rows.length}] ${row.file.slice(-60).padEnd(60)}`);
    if (row.problem || !row.label) {
      outcomes.push({ file: row.file, label: (row.label ?? 'normal') as Label, error: `line ${row.line}: ${row.problem}` });
      continue;
    }
    try {
      const a = await decodeFile(row.path);
      const r = await clf.classify(a.samples, a.sampleRate);
      outcomes.push({ file: row.file, label: row.label, pred: r.file.label, probs: r.file.probs, models: r.file.models, windows: r.windows.length });
    } catch (e) {
      outcomes.push({ file: row.file, label: row.label, error: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!c.quiet) process.stderr.write('\n');
  const ok = outcomes.filter((o) => o.pred);
  const failed = outcomes.filter((o) => o.error);
  const block = (pick: (o: FileOutcome) => number[] | undefined): Metrics | undefined => {
    const usable = ok.filter((o) => pick(o));
    if (!usable.length) return undefined;
    return computeMetrics(usable.map((o) => o.label), usable.map((o) => LABELS[argmax(pick(o)!)]));
  };
  const ensemble = block((o) => o.models?.ensemble)!;
  const models: Record<string, Metrics> = {};
  const y = block((o) => o.models?.yamnet);
  const w = block((o) => o.models?.wav2vec2);
  if (y) models.yamnet = y;
  if (w) models.wav2vec2 = w;
  if (ensemble) models.ensemble = ensemble;
  const elapsed = (performance.now() - t0) / 1000;
  const report = {
    ...(ensemble ?? { n: 0, accuracy: 0, macro_f1: 0, per_class: {}, confusion: [] }),
    labels: LABELS,
    models,
    failed: failed.map((o) => ({ file: o.file, label: o.label, error: o.error })),
    n_failed: failed.length,
    manifest: resolve(c.manifest),
    model_version: clf.manifest.version,
    core_version: clf.coreVersion,
    fusion_method: c.fusion ?? clf.manifest.fusion.default,
    loaded_models: clf.models,
    elapsed_s: elapsed,
    files: outcomes,
  };
  for (const [name, m] of Object.entries(models)) console.log(`${formatMetrics(name, m)}\n`);
  if (failed.length) {
    console.log(`${failed.length} file(s) could not be scored (listed under "failed" in the JSON):`);
    for (const f of failed.slice(0, 20)) console.log(`  ${f.file}: ${f.error}`);
  }
  console.log(`${ok.length} files scored in ${elapsed.toFixed(1)} s`);
  if (c.jsonOut) {
    mkdirSync(dirname(resolve(c.jsonOut)), { recursive: true });
    writeFileSync(c.jsonOut, JSON.stringify(report, null, 1));
    if (!c.quiet) process.stderr.write(`wrote ${c.jsonOut}\n`);
  }
  await clf.dispose();
  return ok.length ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  let c: Command;
  try {
    c = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cryscope: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (c.cmd === 'help') { console.log(USAGE); return 0; }
  if (c.cmd === 'version') {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8').catch(() => '{"version":"?"}'));
    console.log(pkg.version);
    return 0;
  }
  try {
    return c.cmd === 'classify' ? await classifyCmd(c) : await evalCmd(c);
  } catch (e) {
    process.stderr.write(`cryscope: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
