// The onset-latency benchmark streams and their replay through the core Decider, shared by
// latency-sweep.mjs and adaptive-hop.mjs (so both measure exactly the same streams).
// Streams: each of the first N cry clips of a split CSV (build/web/test-split.csv), from its
// acoustic onset on (onset.mjs: first 100 ms frame within trimDb dB of the clip's loudest; 0 = from
// the file's first sample), preceded by PRE s (+ a phase over the manifest's hop) and followed by
// POST s of held-out normal audio; for false alarms, all normal clips of the split back to back.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acousticOnset } from './onset.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PRE = 3, POST = 2, SR = 16000;

/** Command-line option `name` (the next argument), else `dflt`. */
export const argOf = (args) => (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };

export const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
/** The p-quantile as latency-sweep has always reported it: sorted[floor(p·(n−1))]. */
export const quantileLow = (v, p) => [...v].sort((a, b) => a - b)[Math.floor(p * (v.length - 1))];

/**
 * Runs the models once over every stream.
 * @param {{ csvPath: string, nCry: number, phases: number, trimDb: number, hopSeconds?: number }} o
 *   hopSeconds: run both models every hopSeconds (omit: the manifest's hops)
 * @returns {Promise<{ cryStreams: { file: string, windows: object[], cryStart: number, cryEnd: number }[],
 *   normalWindows: object[], normalSeconds: number, normalClips: number, manifest: object, core: object }>}
 */
export async function modelOutputs({ csvPath, nCry, phases, trimDb, hopSeconds }) {
  const { loadClassifier, decodeFile, loadCore } = await import(join(root, 'web/dist/node.js'));
  const rows = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',')).map(([f, label]) => ({ path: resolve(dirname(csvPath), f), label }));
  const load16k = async (path) => {
    const { samples, sampleRate } = await decodeFile(path);
    if (sampleRate !== SR) throw new Error(`${path}: ${sampleRate} Hz`);
    return samples;
  };
  const normals = [];
  for (const r of rows.filter((r) => r.label === 'normal')) normals.push(await load16k(r.path));
  const normalAll = new Float32Array(normals.reduce((a, x) => a + x.length, 0));
  normals.reduce((o, x) => (normalAll.set(x, o), o + x.length), 0);
  const cries = rows.filter((r) => r.label === 'cry').sort((a, b) => a.path.localeCompare(b.path)).slice(0, nCry);

  const hopOpt = hopSeconds ? { yamnetHopSeconds: hopSeconds, wav2vec2HopSeconds: hopSeconds } : {};
  const clf = await loadClassifier({ topAudioSetLabels: 0, ...hopOpt });
  const core = await loadCore();
  const m = clf.manifest;
  // Cries start at stream time PRE + j·hop/phases (j = 0..phases−1, cycling over the clips), hop = the
  // manifest's YAMNet hop whatever hopSeconds is, so every hop sees the same streams.
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
  await clf.dispose();
  return { cryStreams, normalWindows, normalSeconds: normalAll.length / SR, normalClips: normals.length, manifest: m, core };
}

/** A fresh core Decider with every setting from the manifest (never the core's defaults), `cfg` overriding. */
export function newDecider(core, m, cfg = {}) {
  return new core.Decider({
    fusion: JSON.stringify(m.fusion), method: m.fusion.default, thresholds: m.thresholds, smoothing: m.smoothing,
    minDurationSeconds: m.events.min_duration_s, cooldownSeconds: m.events.cooldown_s, ...cfg,
  });
}

/** One Decider.update for a classify() window (time = the window's end); returns the core's output. */
export const decide = (d, w) => d.update({ time: w.end, yamnet: w.yamnet ? Float32Array.from(w.yamnet) : null, wav2vec2: w.wav2vec2 ? Float32Array.from(w.wav2vec2) : null });

/** The onsets a fresh Decider emits over `windows`, with the decision time of each. */
export function replay(core, m, windows, cfg) {
  const d = newDecider(core, m, cfg);
  const onsets = [];
  for (const w of windows) {
    const r = decide(d, w);
    for (const e of r.events) if (e.type === 'onset') onsets.push({ label: e.label, decidedAt: w.end, start: e.start });
  }
  d.delete?.();
  return onsets;
}

/**
 * Latency of the first cry onset decided in [cryStart, cryEnd + POST] per stream; missed when none;
 * early when a cry onset was decided in the normal lead-in.
 * @param {{ cryStart: number, cryEnd: number }[]} streams
 * @param {(stream: object) => { decidedAt: number, label: string }[]} onsetsOf
 */
export function cryLatency(streams, onsetsOf) {
  const lat = [];
  let missed = 0, early = 0;
  for (const st of streams) {
    const cry = onsetsOf(st).filter((e) => e.label === 'cry');
    if (cry.some((e) => e.decidedAt < st.cryStart)) early++;
    const hit = cry.find((e) => e.decidedAt >= st.cryStart && e.decidedAt <= st.cryEnd + POST);
    if (hit) lat.push(hit.decidedAt - st.cryStart); else missed++;
  }
  return { lat, missed, early, latencyMedianS: median(lat), latencyP90S: quantileLow(lat, 0.9) };
}
