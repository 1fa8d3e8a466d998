#!/usr/bin/env node
// Onset latency vs false alarms for the Decider options, offline (Node, the same WASM core and
// ORT-web models as the browser). The models run once per stream; their per-decision outputs are
// then replayed through fresh core Deciders with each setting, so every setting sees identical
// model outputs. Latency here is stream time: (decision time of the first cry onset) − (cry start);
// live adds delivery and inference (~0.03–0.05 s measured, see web/bench live runs).
//   node web/bench/latency-sweep.mjs [--csv SPLIT.csv] [--cry N] [--phases N] [--trim-db DB] [--hop S] [--dump FILE] [--json OUT]
// Streams: each of the first N cry clips of the test split (build/web/test-split.csv), from its
// acoustic onset on (onset.mjs: first 100 ms frame within --trim-db dB of the clip's loudest, default
// 20; 0 = from the file's first sample), preceded by 3 s (+ the phase, see --phases) and followed by
// 2 s of held-out normal audio; false alarms: all normal test clips back to back.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acousticOnset } from './onset.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const { loadClassifier, decodeFile, loadCore } = await import(join(root, 'web/dist/node.js'));
// --csv build/web/val-split.csv chooses settings on validation; the test split reports them.
const csvPath = resolve(arg('--csv', join(root, 'build/web/test-split.csv')));
const rows = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',')).map(([f, label]) => ({ path: resolve(dirname(csvPath), f), label }));
const nCry = Number(arg('--cry', '20'));
// Cries start at stream time PRE + j·hop/phases (j = 0..phases−1, cycling over the clips): a real
// cry does not wait for the 0.5 s decision grid, so onsets are spread over the hop. --phases 1 puts
// every onset exactly on the grid (the previous fixed 3 s lead-in).
const phases = Number(arg('--phases', '5'));
const trimDb = Number(arg('--trim-db', '20'));
const PRE = 3, POST = 2, SR = 16000;

async function load16k(path) {
  const { samples, sampleRate } = await decodeFile(path);
  if (sampleRate !== SR) throw new Error(`${path}: ${sampleRate} Hz`);
  return samples;
}
const normals = [];
for (const r of rows.filter((r) => r.label === 'normal')) normals.push(await load16k(r.path));
const normalAll = new Float32Array(normals.reduce((a, x) => a + x.length, 0));
normals.reduce((o, x) => (normalAll.set(x, o), o + x.length), 0);
const cries = rows.filter((r) => r.label === 'cry').sort((a, b) => a.path.localeCompare(b.path)).slice(0, nCry);

// --hop S runs both models every S seconds (a finer grid for offline analysis of decision rules).
const hopOpt = arg('--hop', '') ? { yamnetHopSeconds: Number(arg('--hop', '')), wav2vec2HopSeconds: Number(arg('--hop', '')) } : {};
const clf = await loadClassifier({ topAudioSetLabels: 0, ...hopOpt });
const core = await loadCore();
const m = clf.manifest;

// Model outputs per decision for every stream (run once).
const cryStreams = [];
let off = 0;
for (const [ci, c] of cries.entries()) {
  const whole = await load16k(c.path);
  const cry = trimDb > 0 ? whole.subarray(Math.round(acousticOnset(whole, SR, { belowPeakDb: trimDb }) * SR)) : whole;
  const lead = Math.round((PRE + ((ci % phases) / phases) * (m.models.yamnet.hop_samples / SR)) * SR);
  const pre = normalAll.subarray(off, off + lead); off = (off + PRE * SR) % (normalAll.length - (PRE + 1 + POST) * SR);
  const post = normalAll.subarray(off, off + POST * SR);
  const x = new Float32Array(pre.length + cry.length + post.length);
  x.set(pre); x.set(cry, pre.length); x.set(post, pre.length + cry.length);
  cryStreams.push({ file: c.path, windows: (await clf.classify(x, SR)).windows, cryStart: lead / SR, cryEnd: lead / SR + cry.length / SR });
}
const normalWindows = (await clf.classify(normalAll, SR)).windows;
const normalSeconds = normalAll.length / SR;
await clf.dispose();
// --dump FILE: the per-decision model outputs, for offline analysis of other decision rules.
if (arg('--dump', '')) writeFileSync(arg('--dump', ''), JSON.stringify({ cryStreams, normalWindows, normalSeconds, manifest: m }));

function replay(windows, cfg) {
  const d = new core.Decider({ fusion: JSON.stringify(m.fusion), method: m.fusion.default, thresholds: m.thresholds, cooldownSeconds: m.events.cooldown_s, ...cfg });
  const onsets = [];
  for (const w of windows) {
    const r = d.update({ time: w.end, yamnet: w.yamnet ? Float32Array.from(w.yamnet) : null, wav2vec2: w.wav2vec2 ? Float32Array.from(w.wav2vec2) : null });
    for (const e of r.events) if (e.type === 'onset') onsets.push({ label: e.label, decidedAt: w.end, start: e.start });
  }
  d.delete?.();
  return onsets;
}
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const settings = [];
for (const min of [1.0, 0.5, 0.0]) for (const smoothing of [m.smoothing, { method: 'ema', alpha: 0.7 }, { method: 'none' }]) settings.push({ minDurationSeconds: min, smoothing });
const out = [];
console.log(`${cries.length} cry streams (cry from its acoustic onset ${trimDb > 0 ? `(−${trimDb} dB)` : '(off: file start)'}, ${PRE} s + ${phases} phases over the hop of normal audio before, ${POST} s after); normal audio ${normalSeconds.toFixed(0)} s (${normals.length} clips back to back); manifest ${m.version}, thresholds cry on ${m.thresholds.cry.on}/off ${m.thresholds.cry.off}`);
for (const s of settings) {
  const lat = [];
  let missed = 0, early = 0;
  for (const st of cryStreams) {
    const cry = replay(st.windows, s).filter((e) => e.label === 'cry');
    if (cry.some((e) => e.decidedAt < st.cryStart)) early++;
    const hit = cry.find((e) => e.decidedAt >= st.cryStart && e.decidedAt <= st.cryEnd + POST);
    if (hit) lat.push(hit.decidedAt - st.cryStart); else missed++;
  }
  const fa = replay(normalWindows, s);
  const row = { ...s, latencyMedianS: median(lat), latencyP90S: [...lat].sort((a, b) => a - b)[Math.floor(0.9 * (lat.length - 1))], missed, early, falseOnsets: fa.length, falsePerHour: (fa.length / normalSeconds) * 3600 };
  out.push(row);
  const sm = s.smoothing.method === 'ema' ? `ema ${s.smoothing.alpha}` : s.smoothing.method;
  console.log(`minDuration ${s.minDurationSeconds.toFixed(1)} s, smoothing ${sm.padEnd(8)} | cry onset latency median ${row.latencyMedianS.toFixed(2)} s, p90 ${row.latencyP90S.toFixed(2)} s, missed ${missed}/${cryStreams.length}, fired in the normal lead-in ${early} | normal audio: ${fa.length} onsets (${row.falsePerHour.toFixed(0)}/h)`);
}
const jsonOut = arg('--json', join(root, 'test-results/bench/latency-sweep.json'));
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify(out, null, 1));
