#!/usr/bin/env node
// "Quiet costs almost nothing" (issue #14): the live pipeline on a realistic nursery stream, with
// and without the level gate + cascade, side by side. Node, the same WASM core and ORT-web (WASM)
// models as the browser, one ORT thread. RTF = CPU time of this process (user + system) over the
// pipeline's process()/finish() calls ÷ stream seconds: on a machine shared with other work the
// wall time mostly measures the others (printed too).
//   node web/bench/nursery.mjs [--minutes 60] [--full-minutes 5] [--seed 1] [--gate-db -50] [--hangover 5] [--json OUT] [--wav DIR]
// The stream is built at run time from the test split (models/splits/split.csv, audio in ../shared/data)
// and never written to the repo (--wav DIR writes it as WAV into DIR, e.g. a temp dir, to listen):
//   * room tone: the test split's `normal/ambient` clips, each scaled to --room-db (default −60 dBFS
//     RMS), looped for the whole stream, plus a −80 dBFS white noise floor (microphone self-noise);
//   * events on top, at random non-overlapping places (≥ 20 s apart, seeded): test-split cries
//     (from their acoustic onset, −20 dB rule of onset.mjs) and screams at −30…−18 dBFS RMS,
//     speech / household / cough / laughter / tv_radio / music / baby_noncry clips at −40…−25 dBFS;
//   * full activity: --full-minutes of the same events back to back (no quiet), for the RTF when
//     the gate is always open.
// Episode recall: a cry/scream placement counts as found when an onset of its label is decided
// between its start and 2 s after its end; onset latency = that decision's stream time − the
// acoustic start (live adds delivery + inference, ~0.03–0.05 s, see web/README.md). Other onsets
// are false alarms (per hour of stream).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { median, nurseryStreams, pct, score, SR } from './nursery-stream.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const minutes = Number(arg('--minutes', '60'));
const fullMinutes = Number(arg('--full-minutes', '5'));
const gateDb = Number(arg('--gate-db', '-50'));
const hangover = Number(arg('--hangover', '5'));
const roomDb = Number(arg('--room-db', '-60'));
const seed = Number(arg('--seed', '1'));
const CHUNK = 2048; // 128 ms pushes, as the worker receives audio in small pieces

const { loadClassifier, decodeFile } = await import(join(root, 'web/dist/node.js'));
const { night, full, cryRows, screamRows, otherRows } = await nurseryStreams({ root, shared, decodeFile, minutes, fullMinutes, roomDb, seed });

async function run(clf, x) {
  const stages = { frontEnd: 0, yamnet: 0, wav2vec2: 0, decider: 0, yamnetWindows: 0, wav2vec2Windows: 0 };
  const s = clf.stream(SR, (t) => { stages[t.stage] += t.ms; if (t.windows) stages[`${t.stage}Windows`] += t.windows; });
  const onsets = [];
  let lastEnd = 0;
  let windows = 0, gated = 0;
  const collect = (evs) => {
    for (const e of evs) {
      if (e.type === 'window') { lastEnd = e.window.end; windows++; if (e.window.gated) gated++; }
      else if (e.type === 'onset') onsets.push({ label: e.event.label, decidedAt: lastEnd });
    }
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < x.length; i += CHUNK) collect(await s.process(x.subarray(i, i + CHUNK)));
  collect(await s.finish());
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  const seconds = x.length / SR;
  const out = { rtf: cpuSeconds / seconds, cpuSeconds, wallRtf: ms / 1000 / seconds, wallSeconds: ms / 1000, models: s.models, decisions: windows, gatedDecisions: gated, gate: s.gateStats(), stages, onsets };
  s.dispose();
  return out;
}


const configs = [
  { name: 'ungated', options: { levelGate: false, cascade: false } },
  { name: 'gated', options: { levelGate: true, levelGateDb: gateDb, levelGateHangoverSeconds: hangover, cascade: true } },
];
if (arg('--wav', '')) {
  const dir = resolve(arg('--wav', ''));
  mkdirSync(dir, { recursive: true });
  const wav = (x) => { // 16-bit PCM mono
    const b = Buffer.alloc(44 + x.length * 2);
    b.write('RIFF', 0); b.writeUInt32LE(36 + x.length * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
    b.writeUInt32LE(SR, 24); b.writeUInt32LE(SR * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(x.length * 2, 40);
    for (let i = 0; i < x.length; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x[i] * 32767))), 44 + 2 * i);
    return b;
  };
  writeFileSync(join(dir, 'nursery.wav'), wav(night.x));
  writeFileSync(join(dir, 'full-activity.wav'), wav(full.x));
  writeFileSync(join(dir, 'placements.json'), JSON.stringify(night.placed.map(({ audio, ...e }) => e), null, 1));
}
const active = night.placed.reduce((s, e) => s + e.end - e.start, 0);
console.log(`nursery stream: ${minutes} min; room tone ${roomDb} dBFS (test-split ambient, looped) + −80 dBFS noise floor; ${night.placed.length} events (${(active / 60).toFixed(1)} min, ${((100 * active) / (minutes * 60)).toFixed(1)} % of the time): ${cryRows.length} cries, ${screamRows.length} screams, ${otherRows.length} household/speech/other`);
console.log(`full activity: ${fullMinutes} min of the events back to back; gate ${gateDb} dBFS, hangover ${hangover} s; machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
const results = {};
for (const c of configs) {
  const clf = await loadClassifier({ topAudioSetLabels: 0, ...c.options });
  const n = await run(clf, night.x);
  const f = await run(clf, full.x);
  await clf.dispose();
  results[c.name] = { options: c.options, nursery: { ...n, ...score(night.placed, n.onsets, minutes * 60) }, full: { ...f, ...score(full.placed, f.onsets, fullMinutes * 60) } };
}
const row = (label, fn) => console.log(`${label.padEnd(44)}${configs.map((c) => String(fn(results[c.name])).padStart(22)).join('')}`);
console.log(`${''.padEnd(44)}${configs.map((c) => c.name.padStart(22)).join('')}`);
row('models run', (r) => r.nursery.models.join('+'));
row('nursery: average RTF, CPU (goal ≤ 0.005)', (r) => r.nursery.rtf.toFixed(4));
row('nursery: average RTF, wall (loaded machine)', (r) => r.nursery.wallRtf.toFixed(4));
row('nursery: CPU / wall time, s', (r) => `${r.nursery.cpuSeconds.toFixed(1)} / ${r.nursery.wallSeconds.toFixed(1)}`);
row('nursery: decisions gated (models skipped)', (r) => `${r.nursery.gatedDecisions}/${r.nursery.decisions}`);
row('nursery: YAMNet / Wav2Vec2 windows run', (r) => `${r.nursery.stages.yamnetWindows} / ${r.nursery.stages.wav2vec2Windows}`);
row('nursery: episode recall (cry, scream)', (r) => `${r.nursery.recall.toFixed(3)} (${r.nursery.cry}, ${r.nursery.scream})`);
row('nursery: onset latency median / p90, s', (r) => `${r.nursery.latencyMedianS.toFixed(2)} / ${r.nursery.latencyP90S.toFixed(2)}`);
row('nursery: false alarms (per hour)', (r) => `${r.nursery.falseAlarms} (${r.nursery.falsePerHour.toFixed(1)})`);
row('full activity: RTF, CPU (goal ≤ 0.02)', (r) => r.full.rtf.toFixed(4));
row('full activity: RTF, wall', (r) => r.full.wallRtf.toFixed(4));
row('full activity: decisions gated', (r) => `${r.full.gatedDecisions}/${r.full.decisions}`);
row('full activity: episode recall', (r) => `${r.full.recall.toFixed(3)} (${r.full.cry}, ${r.full.scream})`);
row('full activity: onset latency median, s', (r) => r.full.latencyMedianS.toFixed(2));
console.log(`load at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const jsonOut = arg('--json', join(root, 'test-results/bench/nursery.json'));
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify({ minutes, fullMinutes, gateDb, hangover, roomDb, placements: night.placed.map(({ audio, ...e }) => e), results }, null, 1));
console.log(`wrote ${jsonOut}`);
