#!/usr/bin/env node
// Adaptive hop, offline and exact: decide every 0.5 s as today, and while the room is "armed" (the
// last decided window's alarm evidence max(cry, scream) ≥ A) also run the window half a hop later.
// The models run ONCE per stream at hop 0.25 s; the schedule is then emulated by choosing which of
// those windows the device would have run — every window on the 0.5 s grid, the in-between window
// only when the window decided just before it was armed — and exactly that sequence (true end times)
// goes through a fresh core Decider with the manifest's settings. The 0.5-grid windows of a 0.25 s
// run are bit-identical to a 0.5 s run's (same front-end frames); only the front-end's padded
// end-of-stream window differs, which a live stream never has.
//   node web/bench/adaptive-hop.mjs [--csv SPLIT.csv] [--cry N] [--phases N] [--trim-db DB]
//     [--arm 0,0.05,0.1,0.2,0.3,1.01] [--evidence smoothed|fused] [--from-dump FILE] [--json OUT]
//   node web/bench/adaptive-hop.mjs --nursery [--minutes 60] [--full-minutes 5] [--seed 1] [--gate-db -50] [--hangover 5] [--arm …]
// Streams: those of latency-sweep.mjs (cry-streams.mjs). --from-dump reads the model outputs of
// `latency-sweep.mjs --hop 0.25 --dump FILE` instead of running the models.
// --nursery: nursery.mjs's streams (nursery-stream.mjs, same seed = same audio) through the live
// pipeline with the level gate and the cascade (nursery.mjs's "gated" column) at hop 0.25; a window
// the gate skipped costs nothing and gives the Decider "normal" (GATED_PROBS), as live; cost = the
// windows the models actually ran.
// The core's Decider is grid-agnostic: the EMA applies alpha once per update (not per second, so an
// irregular grid changes its time constant — moot while the manifest's alpha is 1), the cooldown and
// the minimum duration are compared in stream seconds, and the event mean is per update.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { argOf, cryLatency, decide, modelOutputs, newDecider, root, PRE, POST } from './cry-streams.mjs';
import { nurseryStreams, score, SR } from './nursery-stream.mjs';

const arg = argOf(process.argv.slice(2));
const FINE = 0.25;
const arms = arg('--arm', '0,0.05,0.1,0.2,0.3,1.01').split(',').map(Number);
const evidence = arg('--evidence', 'smoothed');
if (!['smoothed', 'fused'].includes(evidence)) throw new Error(`--evidence must be smoothed or fused, got ${evidence}`);

const GATED_PROBS = [0, 0, 1]; // pipeline.ts: what the Decider gets for a window the gate skipped
const nurseryMode = process.argv.includes('--nursery');
const gateDb = Number(arg('--gate-db', '-50')), hangover = Number(arg('--hangover', '5'));
let data;
if (nurseryMode) {
  const { loadClassifier, decodeFile, loadCore } = await import(join(root, 'web/dist/node.js'));
  const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
  const minutes = Number(arg('--minutes', '60')), fullMinutes = Number(arg('--full-minutes', '5'));
  const { night, full } = await nurseryStreams({ root, shared, decodeFile, minutes, fullMinutes, roomDb: Number(arg('--room-db', '-60')), seed: Number(arg('--seed', '1')) });
  const clf = await loadClassifier({ topAudioSetLabels: 0, levelGate: true, levelGateDb: gateDb, levelGateHangoverSeconds: hangover, cascade: true, yamnetHopSeconds: FINE, wav2vec2HopSeconds: FINE });
  /** The live pipeline's decisions (window events) over x, pushed in 128 ms chunks as nursery.mjs does. */
  const live = async (x) => {
    const s = clf.stream(SR);
    const windows = [];
    const collect = (evs) => { for (const e of evs) if (e.type === 'window') windows.push(e.window); };
    for (let i = 0; i < x.length; i += 2048) collect(await s.process(x.subarray(i, i + 2048)));
    collect(await s.finish());
    const models = s.models;
    s.dispose();
    // The Decider's input, as the pipeline gave it: the model's output, or GATED_PROBS when gated.
    return { models, windows: windows.map((w) => ({ start: w.start, end: w.end, gated: !!w.gated, yamnet: w.yamnet ?? (w.gated ? GATED_PROBS : null), wav2vec2: w.wav2vec2 ?? null })) };
  };
  const n = await live(night.x), f = await live(full.x);
  await clf.dispose();
  data = { nursery: { night: { ...n, placed: night.placed, seconds: night.x.length / SR }, full: { ...f, placed: full.placed, seconds: full.x.length / SR }, minutes, fullMinutes }, manifest: clf.manifest, core: await loadCore() };
} else if (arg('--from-dump', '')) {
  const { loadCore } = await import(join(root, 'web/dist/node.js'));
  data = { ...JSON.parse(readFileSync(arg('--from-dump', ''), 'utf8')), core: await loadCore() };
} else {
  data = await modelOutputs({
    csvPath: resolve(arg('--csv', join(root, 'build/web/test-split.csv'))), nCry: Number(arg('--cry', '20')),
    phases: Number(arg('--phases', '5')), trimDb: Number(arg('--trim-db', '20')), hopSeconds: FINE,
  });
}
const { manifest: m, core } = data;
const coarse = m.models.yamnet.hop_samples / m.sample_rate; // the build's hop (must be 0.5 s here)
const ratio = Math.round(coarse / FINE);
if (Math.abs(ratio * FINE - coarse) > 1e-9 || ratio !== 2) throw new Error(`manifest hop ${coarse} s is not 2 × ${FINE} s: this bench compares an adaptive 0.5/0.25 s schedule with a 0.5 s build (models shipped before 2026-12-06 session 9); the shipped hop is now 0.25 s everywhere (models/EXPERIMENTS.md)`);
// Every window is on the fine grid, except the front-end's padded end-of-stream ones (always run).
const gridIndex = (w) => { const k = w.start / FINE; return Math.abs(k - Math.round(k)) < 1e-6 ? Math.round(k) : null; };

/**
 * Emulates the adaptive schedule over one stream's 0.25 s windows for arming level A.
 * @param {number[]} [extraEnds] receives the end time of every extra window the models ran
 * @returns {{ onsets: { label: string, decidedAt: number }[], coarse: number, extra: number, coarseRun: number, extraRun: number }}
 *   coarse / extra: decisions on the 0.5 s grid (today's) / in-between decisions added;
 *   coarseRun / extraRun: those the models ran (not skipped by the level gate)
 */
function adaptive(windows, A, extraEnds = []) {
  const d = newDecider(core, m);
  const onsets = [];
  let armed = false;
  const n = { coarse: 0, extra: 0, coarseRun: 0, extraRun: 0 };
  for (const w of windows) {
    const k = gridIndex(w);
    const between = k !== null && k % ratio !== 0;
    if (between && !armed) continue; // the device would not have run this window
    n[between ? 'extra' : 'coarse']++;
    if (!w.gated) n[between ? 'extraRun' : 'coarseRun']++;
    if (between && !w.gated) extraEnds.push(w.end);
    const r = decide(d, w);
    const p = r[evidence];
    armed = Math.max(p[0], p[1]) >= A; // labels: cry, scream, normal
    for (const e of r.events) if (e.type === 'onset') onsets.push({ label: e.label, decidedAt: w.end });
  }
  d.delete?.();
  return { onsets, ...n };
}

const out = [];
const pc = (f) => `${(100 * f).toFixed(1)} %`;
const settings = `manifest ${m.version}: hop ${coarse} s, fine hop ${FINE} s, thresholds cry ${m.thresholds.cry.on}/${m.thresholds.cry.off}, scream ${m.thresholds.scream.on}/${m.thresholds.scream.off}, smoothing ${JSON.stringify(m.smoothing)}, min duration ${m.events.min_duration_s} s, cooldown ${m.events.cooldown_s} s; arming evidence: ${evidence} max(cry, scream) of the last decided window`;
if (nurseryMode) {
  const { night, full, minutes, fullMinutes } = data.nursery;
  console.log(`adaptive hop on the nursery streams (nursery.mjs, seed ${arg('--seed', '1')}): ${minutes} min night, ${fullMinutes} min full activity; live pipeline, gate ${gateDb} dBFS, hangover ${hangover} s, cascade, models ${night.models.join('+')}; ${settings}`);
  // Extra windows outside the cry/scream episodes (a window overlapping [start, end + 2 s] of one
  // is inside): what arming costs on household sound, speech and room tone alone.
  const episodes = night.placed.filter((e) => e.label !== 'normal');
  const outside = (end) => !episodes.some((e) => end > e.start && end - 1 < e.end + 2);
  console.log('arm A | night: recall (cry, scream) | latency median / p90 s | false alarms (/h) | model windows run: 0.5-grid + extra = vs today | extra outside cry/scream episodes | full activity: recall | latency median | extra windows');
  for (const A of arms) {
    const ends = [];
    const a = adaptive(night.windows, A, ends), b = adaptive(full.windows, A);
    const extraOutside = ends.filter(outside).length;
    const sn = score(night.placed, a.onsets, night.seconds), sf = score(full.placed, b.onsets, full.seconds);
    const row = {
      arm: A, evidence,
      night: { ...sn, decisions: a.coarse + a.extra, coarseRun: a.coarseRun, extraRun: a.extraRun, extraFraction: a.extraRun / a.coarseRun, extraDecisions: a.extra, extraOutsideEpisodes: extraOutside },
      full: { ...sf, decisions: b.coarse + b.extra, coarseRun: b.coarseRun, extraRun: b.extraRun, extraFraction: b.extraRun / b.coarseRun, extraDecisions: b.extra },
    };
    out.push(row);
    console.log(`${String(A).padEnd(5)} | ${sn.recall.toFixed(3)} (${sn.cry}, ${sn.scream}) | ${sn.latencyMedianS.toFixed(2)} / ${sn.latencyP90S.toFixed(2)} | ${sn.falseAlarms} (${sn.falsePerHour.toFixed(1)}) | ${a.coarseRun} + ${a.extraRun} = ${(1 + row.night.extraFraction).toFixed(3)}× | ${extraOutside} (${pc(extraOutside / a.coarseRun)}) | ${sf.recall.toFixed(3)} (${sf.cry}, ${sf.scream}) | ${sf.latencyMedianS.toFixed(2)} | ${b.extraRun}/${b.coarseRun} = ${pc(row.full.extraFraction)}`);
  }
} else {
  const { cryStreams, normalWindows, normalSeconds } = data;
  console.log(`adaptive hop: ${cryStreams.length} cry streams (latency-sweep's: ${PRE} s of normal audio before, ${POST} s after), normal audio ${normalSeconds.toFixed(0)} s (test split, back to back, no gate); ${settings}`);
  console.log('arm A | cry latency median / p90 s | missed | early | false onsets normal (/h) | extra windows normal | extra windows cry streams | model cost vs hop 0.5 (normal / cry)');
  for (const A of arms) {
    let cryCoarse = 0, cryExtra = 0;
    const lat = cryLatency(cryStreams, (st) => { const r = adaptive(st.windows, A); cryCoarse += r.coarse; cryExtra += r.extra; return r.onsets; });
    const n = adaptive(normalWindows, A);
    const row = {
      arm: A, evidence, latencyMedianS: lat.latencyMedianS, latencyP90S: lat.latencyP90S, missed: lat.missed, early: lat.early, cries: cryStreams.length,
      falseOnsets: n.onsets.length, falsePerHour: (n.onsets.length / normalSeconds) * 3600,
      normalWindows: n.coarse, normalExtra: n.extra, normalExtraFraction: n.extra / n.coarse,
      cryWindows: cryCoarse, cryExtra, cryExtraFraction: cryExtra / cryCoarse, latencies: lat.lat,
    };
    out.push(row);
    console.log(`${String(A).padEnd(5)} | ${row.latencyMedianS.toFixed(2)} / ${row.latencyP90S.toFixed(2)} | ${row.missed}/${row.cries} | ${row.early} | ${row.falseOnsets} (${row.falsePerHour.toFixed(0)}/h) | ${n.extra}/${n.coarse} = ${pc(row.normalExtraFraction)} | ${cryExtra}/${cryCoarse} = ${pc(row.cryExtraFraction)} | ${(1 + row.normalExtraFraction).toFixed(2)}× / ${(1 + row.cryExtraFraction).toFixed(2)}×`);
  }
}
const jsonOut = arg('--json', join(root, `test-results/bench/adaptive-hop${nurseryMode ? '-nursery' : ''}.json`));
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify(out, null, 1));
