// The realistic nursery streams of nursery.mjs (issue #14), shared with adaptive-hop.mjs so both
// measure the very same audio: room tone with a few cries, screams and household sounds placed at
// seeded random places (`night`), and the same events back to back (`full`, full activity).
// See nursery.mjs for what the streams contain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './cry-streams.mjs';
import { acousticOnset } from './onset.mjs';

export const SR = 16000;

/**
 * Builds both streams (deterministic for a seed).
 * @param {{ root: string, shared: string, decodeFile: Function, minutes: number, fullMinutes: number, roomDb: number, seed: number }} o
 * @returns {Promise<{ night: { x: Float32Array, placed: object[] }, full: { x: Float32Array, placed: object[] }, cryRows: object[], screamRows: object[], otherRows: object[] }>}
 */
export async function nurseryStreams({ root, shared, decodeFile, minutes, fullMinutes, roomDb, seed }) {
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const between = (a, b) => a + (b - a) * rand();

  const split = readFileSync(join(root, 'models/splits/split.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
  const h = split[0];
  const test = split.slice(1).filter((r) => r[h.indexOf('split')] === 'test').map((r) => ({ file: r[h.indexOf('file')], label: r[h.indexOf('label')] }))
    .sort((a, b) => a.file.localeCompare(b.file));
  const shuffle = (a) => { for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; } return a; };
  const byFolder = (f) => test.filter((c) => c.file.startsWith(`normal/${f}/`));

  async function load(file) {
    const { samples, sampleRate } = await decodeFile(join(shared, 'data', file));
    if (sampleRate !== SR) throw new Error(`${file}: ${sampleRate} Hz`);
    return samples;
  }
  const rms = (x) => { let s = 0; for (const v of x) s += v * v; return Math.sqrt(s / Math.max(1, x.length)); };
  const scaled = (x, db) => { const g = 10 ** (db / 20) / Math.max(rms(x), 1e-9); return x.map((v) => v * g); };

  // Events: a few cries and screams, more household sound and speech.
  const nCry = Math.max(1, Math.round(10 * minutes / 60));
  const nScream = Math.max(1, Math.round(4 * minutes / 60));
  const nOther = Math.max(2, Math.round(40 * minutes / 60));
  const cryRows = shuffle(test.filter((c) => c.label === 'cry')).slice(0, nCry);
  const screamRows = shuffle(test.filter((c) => c.label === 'scream')).slice(0, nScream);
  const otherRows = shuffle(['speech', 'household', 'cough', 'laughter', 'tv_radio', 'music', 'baby_noncry', 'breathing', 'snore'].flatMap(byFolder)).slice(0, nOther);
  const events = [];
  for (const r of [...cryRows, ...screamRows]) {
    const whole = await load(r.file);
    const x = whole.subarray(Math.round(acousticOnset(whole, SR) * SR));
    events.push({ label: r.label, file: r.file, audio: scaled(x, between(-30, -18)) });
  }
  for (const r of otherRows) events.push({ label: 'normal', file: r.file, audio: scaled(await load(r.file), between(-40, -25)) });

  function roomTone(seconds) {
    const out = new Float32Array(Math.round(seconds * SR));
    const beds = [];
    return (async () => {
      for (const r of byFolder('ambient')) beds.push(scaled(await load(r.file), roomDb));
      let o = 0;
      for (let i = 0; o < out.length; i++) {
        const b = beds[i % beds.length];
        const n = Math.min(b.length, out.length - o);
        out.set(b.subarray(0, n), o);
        o += n;
      }
      const floor = 10 ** (-80 / 20) * Math.sqrt(3); // uniform noise of RMS −80 dBFS
      for (let i = 0; i < out.length; i++) out[i] += (rand() * 2 - 1) * floor;
      return out;
    })();
  }

  /** The nursery stream: room tone with the events at random non-overlapping places. */
  async function nursery() {
    const x = await roomTone(minutes * 60);
    const order = shuffle([...events]);
    const total = order.reduce((s, e) => s + e.audio.length / SR + 20, 0);
    if (total > minutes * 60 - 10) throw new Error(`events (${total.toFixed(0)} s with gaps) do not fit in ${minutes} min`);
    // Spread the spare time randomly between the events.
    const spare = minutes * 60 - 10 - total;
    const cuts = order.map(() => rand()).sort((a, b) => a - b);
    const placed = [];
    let t = 5;
    order.forEach((e, i) => {
      t += (cuts[i] - (i ? cuts[i - 1] : 0)) * spare + 10;
      const o = Math.round(t * SR);
      for (let k = 0; k < e.audio.length; k++) x[o + k] += e.audio[k];
      placed.push({ ...e, start: o / SR, end: (o + e.audio.length) / SR });
      t = (o + e.audio.length) / SR + 10;
    });
    return { x, placed };
  }

  /** Full activity: the events back to back over room tone. */
  async function busy() {
    const x = await roomTone(fullMinutes * 60);
    const placed = [];
    let o = 0;
    for (let i = 0; o < x.length; i++) {
      const e = events[i % events.length];
      const n = Math.min(e.audio.length, x.length - o);
      for (let k = 0; k < n; k++) x[o + k] += e.audio[k];
      placed.push({ ...e, start: o / SR, end: (o + n) / SR });
      o += n;
    }
    return { x, placed };
  }

  const night = await nursery();
  const full = await busy();
  return { night, full, cryRows, screamRows, otherRows };
}

export { median };
// Nearest-rank percentile.
export const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.max(0, Math.ceil(p * s.length) - 1)] : NaN; };

export function score(placed, onsets, seconds) {
  const episodes = placed.filter((e) => e.label !== 'normal');
  const used = new Set();
  const lat = [];
  const found = { cry: 0, scream: 0 };
  for (const e of episodes) {
    const i = onsets.findIndex((o, k) => !used.has(k) && o.label === e.label && o.decidedAt >= e.start && o.decidedAt <= e.end + 2);
    if (i >= 0) { used.add(i); found[e.label]++; lat.push(onsets[i].decidedAt - e.start); }
  }
  // Onsets inside a positive episode (any label, e.g. a scream onset during a cry) are not false alarms.
  const inside = (o) => episodes.some((e) => o.decidedAt >= e.start && o.decidedAt <= e.end + 2);
  const fa = onsets.filter((o, k) => !used.has(k) && !inside(o)).length;
  return {
    episodes: episodes.length, found: found.cry + found.scream, cry: `${found.cry}/${episodes.filter((e) => e.label === 'cry').length}`,
    scream: `${found.scream}/${episodes.filter((e) => e.label === 'scream').length}`, recall: (found.cry + found.scream) / Math.max(1, episodes.length),
    latencyMedianS: median(lat), latencyP90S: pct(lat, 0.9), latencies: lat, falseAlarms: fa, falsePerHour: (fa / seconds) * 3600,
  };
}
