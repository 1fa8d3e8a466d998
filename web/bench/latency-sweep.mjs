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
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { argOf, cryLatency, modelOutputs, replay, root, PRE, POST } from './cry-streams.mjs';

const arg = argOf(process.argv.slice(2));
// --csv build/web/val-split.csv chooses settings on validation; the test split reports them.
const csvPath = resolve(arg('--csv', join(root, 'build/web/test-split.csv')));
const nCry = Number(arg('--cry', '20'));
// Cries start at stream time PRE + j·hop/phases (j = 0..phases−1, cycling over the clips): a real
// cry does not wait for the 0.5 s decision grid, so onsets are spread over the hop. --phases 1 puts
// every onset exactly on the grid (the previous fixed 3 s lead-in).
const phases = Number(arg('--phases', '5'));
const trimDb = Number(arg('--trim-db', '20'));

// Model outputs per decision for every stream (run once). --hop S runs both models every S seconds
// (a finer grid for offline analysis of decision rules).
const { cryStreams, normalWindows, normalSeconds, normalClips, manifest: m, core } = await modelOutputs({ csvPath, nCry, phases, trimDb, hopSeconds: arg('--hop', '') ? Number(arg('--hop', '')) : undefined });
// --dump FILE: the per-decision model outputs, for offline analysis of other decision rules.
if (arg('--dump', '')) writeFileSync(arg('--dump', ''), JSON.stringify({ cryStreams, normalWindows, normalSeconds, manifest: m }));

const settings = [];
for (const min of [1.0, 0.5, 0.0]) for (const smoothing of [m.smoothing, { method: 'ema', alpha: 0.7 }, { method: 'none' }]) settings.push({ minDurationSeconds: min, smoothing });
const out = [];
console.log(`${cryStreams.length} cry streams (cry from its acoustic onset ${trimDb > 0 ? `(−${trimDb} dB)` : '(off: file start)'}, ${PRE} s + ${phases} phases over the hop of normal audio before, ${POST} s after); normal audio ${normalSeconds.toFixed(0)} s (${normalClips} clips back to back); manifest ${m.version}, thresholds cry on ${m.thresholds.cry.on}/off ${m.thresholds.cry.off}`);
for (const s of settings) {
  const { latencyMedianS, latencyP90S, missed, early } = cryLatency(cryStreams, (st) => replay(core, m, st.windows, s));
  const fa = replay(core, m, normalWindows, s);
  const row = { ...s, latencyMedianS, latencyP90S, missed, early, falseOnsets: fa.length, falsePerHour: (fa.length / normalSeconds) * 3600 };
  out.push(row);
  const sm = s.smoothing.method === 'ema' ? `ema ${s.smoothing.alpha}` : s.smoothing.method;
  console.log(`minDuration ${s.minDurationSeconds.toFixed(1)} s, smoothing ${sm.padEnd(8)} | cry onset latency median ${row.latencyMedianS.toFixed(2)} s, p90 ${row.latencyP90S.toFixed(2)} s, missed ${missed}/${cryStreams.length}, fired in the normal lead-in ${early} | normal audio: ${fa.length} onsets (${row.falsePerHour.toFixed(0)}/h)`);
}
const jsonOut = arg('--json', join(root, 'test-results/bench/latency-sweep.json'));
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify(out, null, 1));
