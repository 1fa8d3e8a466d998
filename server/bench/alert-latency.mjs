#!/usr/bin/env node
/**
 * End-to-end alert latency (issue #14 part 3): cry onset in the audio → alert on the caregiver page,
 * through the real stack — headless Chromium's fake microphone → the nursery (demo) page → POST →
 * Temporal → PGlite → SSE → the caregiver page /monitor/ in a second browser context. Prints figures;
 * does not gate (exit 1 only when the benchmark itself fails).
 *
 *   node server/bench/alert-latency.mjs [--cries 12] [--json OUT]
 * Goals (issue #14): median ≤ 1.5 s, p95 ≤ 2.5 s.
 * Thresholds: the models' shipped ones (the page uses the manifest's unless a user types others into its
 * settings form; before 2026-12-06 the form always sent 0.6/0.4). The settings in effect are printed.
 *
 * Audio: one WAV, built at run time into a temp dir (never committed) from held-out test-split clips
 * (models/splits/split.csv): the first N cry clips by file name, each spliced from its acoustic onset
 * (web/bench/onset.mjs, as the live onset benchmark does) and capped at 4 s, each after 4 s of a normal
 * test clip and 2 s of silence (+ 0–0.4 s, so onsets fall at different points of the 0.5 s decision
 * grid, as in web/bench/bench.ts). The cry onsets' positions in the file are known to the sample.
 *
 * When was each cry onset played? Chromium's fake capture device plays the file into the stream in
 * real time from when getUserMedia opens it (media/audio/fake_audio_input_stream.cc), so file time 0
 * lies between the page's getUserMedia call and its answer — too loose (0.2–0.4 s here). So the
 * nursery page's getUserMedia is wrapped: the stream it returns is also fed to a probe AudioWorklet
 * (in its own AudioContext) that notes Date.now() at the first sample above -60 dBFS after ≥ 0.5 s of
 * digital silence. Every cry starts right after silence, at its acoustic onset, so each cry's onset is
 * timed as the page receives it (the capture path's buffering before that — here the fake device's,
 * with a real microphone the ADC's and the OS's, tens of ms — is not counted).
 * The probe's worklet is a blob: module, so the nursery context bypasses the page's CSP (nothing else
 * changes). The printed check: played time − file position is the same for every cry.
 * Per cry: detection = onset row on the nursery page − onset played; delivery = alert row on the
 * caregiver page − nursery row; alert latency = their sum. Both pages note Date.now() from a
 * MutationObserver as the row is inserted (same machine clock).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { acousticOnset } from '../../web/bench/onset.mjs';
import { sleep, waitFor } from '../dist/server/src/devstack/ports.js';
import { ServerProcess } from '../dist/server/src/devstack/server-process.js';
import { TemporalDevServer } from '../dist/server/src/devstack/temporal.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
const demoDir = join(root, 'web/dist/demo');
const { values: o } = parseArgs({
  options: {
    cries: { type: 'string', default: '12' },
    json: { type: 'string', default: join(root, 'test-results/bench/alert-latency.json') },
  },
});
const N = Number(o.cries);
const SR = 48000;
const HEAD_NORMAL = 3, NORMAL = 4, QUIET = 2, PHASES = 5, HOP = 0.5, CRY_MAX = 4, AFTER = 1, TAIL = 5;
const DEVICE = 'bench-nursery';
const TOKEN = 'bench-nursery-token-0123456789';
const VIEWER = 'bench-caregiver-viewer-0123456789';

for (const [what, p] of [['demo page (scripts/web-setup.sh)', join(demoDir, 'index.html')], ['models (scripts/web-setup.sh)', join(demoDir, 'models/manifest.json')], ['server (scripts/server-setup.sh)', join(root, 'server/dist/server/src/main.js')]]) {
  if (!existsSync(p)) { console.error(`alert-latency: ${what} missing: ${p}`); process.exit(1); }
}

// ---- the audio: [normal, silence] then N × [cry from its onset, silence, normal, silence + phase] ----
const split = readFileSync(join(root, 'models/splits/split.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
const h = split[0];
const test = split.slice(1).filter((r) => r[h.indexOf('split')] === 'test').map((r) => ({ file: r[h.indexOf('file')], label: r[h.indexOf('label')] }));
const byName = (label) => test.filter((c) => c.label === label).sort((a, b) => a.file.localeCompare(b.file));
const cryClips = byName('cry').slice(0, N);
const normalClips = byName('normal');
if (cryClips.length < N) throw new Error(`only ${cryClips.length} test cry clips`);

/** Mono float samples at 48 kHz (sox resamples). */
function decode(file) {
  const raw = execFileSync('sox', [join(shared, 'data', file), '-t', 'raw', '-e', 'floating-point', '-b', '32', '-r', String(SR), '-c', '1', '-'], { maxBuffer: 1 << 30 });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
}
const parts = [];
let at = 0; // samples so far
const push = (x) => { parts.push(x); at += x.length; };
const silence = (s) => new Float32Array(Math.round(s * SR));
const normal = (i, s) => { const x = silence(s); const n = decode(normalClips[i % normalClips.length].file); x.set(n.subarray(0, x.length)); return x; };
push(normal(0, HEAD_NORMAL));
push(silence(QUIET));
const cries = [];
for (const [k, c] of cryClips.entries()) {
  const x = decode(c.file);
  const from = acousticOnset(x, SR);
  const cry = x.subarray(Math.round(from * SR), Math.round((from + CRY_MAX) * SR));
  // Where the probe (below) will see it start: the first sample above its -60 dBFS threshold.
  const lead = Math.max(0, cry.findIndex((v) => Math.abs(Math.round(v * 32767) / 32768) > 1e-3)) / SR;
  cries.push({ file: c.file, trimmed: from, onset: at / SR, seconds: cry.length / SR, lead });
  push(cry);
  push(silence(AFTER));
  push(normal(k + 1, NORMAL));
  push(silence(QUIET + (((k + 1) % PHASES) / PHASES) * HOP));
}
push(silence(TAIL));
const total = at / SR;
const tmp = mkdtempSync(join(tmpdir(), 'cryscope-alert-bench-'));
const wav = join(tmp, 'nursery.wav');
{
  const pcm = Buffer.alloc(44 + at * 2);
  pcm.write('RIFF', 0); pcm.writeUInt32LE(36 + at * 2, 4); pcm.write('WAVEfmt ', 8);
  pcm.writeUInt32LE(16, 16); pcm.writeUInt16LE(1, 20); pcm.writeUInt16LE(1, 22); pcm.writeUInt32LE(SR, 24);
  pcm.writeUInt32LE(SR * 2, 28); pcm.writeUInt16LE(2, 32); pcm.writeUInt16LE(16, 34); pcm.write('data', 36); pcm.writeUInt32LE(at * 2, 40);
  let off = 44;
  for (const x of parts) for (const v of x) { pcm.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), off); off += 2; }
  writeFileSync(wav, pcm);
}

// ---- the stack, the two pages ----
const temporal = new TemporalDevServer(join(tmp, 'temporal.db'));
const serverEnv = {
  CRYSCOPE_API_KEYS: `${DEVICE}=${TOKEN}`, CRYSCOPE_VIEWER_KEYS: `${DEVICE}=${VIEWER}`, CRYSCOPE_DEMO_DEVICE: DEVICE,
  CRYSCOPE_STATIC_DIR: demoDir, CRYSCOPE_PGLITE_DIR: join(tmp, 'pglite'),
};
let server = null;
let browser = null;
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sorted = (v) => [...v].sort((a, b) => a - b);
const median = (v) => { const s = sorted(v); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const p95 = (v) => { const s = sorted(v); return s.length ? s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] : NaN; }; // nearest rank

let code = 0;
try {
  console.log(`[alert] machine: ${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} (before)`);
  console.log(`[alert] audio: ${N} test-split cries (≤ ${CRY_MAX} s from their acoustic onset) among normal test clips, ${f(total, 1)} s at ${SR} Hz`);
  await temporal.start();
  server = new ServerProcess({ role: 'all', env: { ...serverEnv, TEMPORAL_ADDRESS: temporal.address } });
  await server.start();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });

  // Caregiver: its own context (own storage, as another device would be), alerts noted as inserted.
  const caregiverCtx = await browser.newContext();
  await caregiverCtx.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.__alerts = [];
    new MutationObserver((ms) => {
      const now = Date.now();
      for (const m of ms) for (const n of m.addedNodes) {
        if (n instanceof HTMLElement && n.matches('#events li[data-type=onset]')) w.__alerts.push({ at: now, id: n.dataset.id, session: n.dataset.session, label: n.dataset.label, start: Number(n.dataset.start) });
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const caregiver = await caregiverCtx.newPage();
  await caregiver.goto(`${server.url}/monitor/#key=${VIEWER}`);
  await caregiver.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 30_000 });

  // Nursery: getUserMedia's call and answer, and every event row, noted with Date.now().
  const nurseryCtx = await browser.newContext({ permissions: ['microphone'], bypassCSP: true });
  await nurseryCtx.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.__gum = [];
    w.__rows = [];
    w.__sound = []; // Date.now() of each sound start after ≥ 0.5 s of digital silence, as the page receives it
    const PROBE = `registerProcessor('onset-probe', class extends AudioWorkletProcessor {
      constructor() { super(); this.quiet = 0; }
      process(inputs) {
        const x = inputs[0][0];
        if (!x) return true;
        for (let i = 0; i < x.length; i++) {
          if (Math.abs(x[i]) > 1e-3) {
            if (this.quiet >= 0.5 * sampleRate) this.port.postMessage(Date.now() - ((x.length - i) / sampleRate) * 1000);
            this.quiet = 0;
          } else this.quiet++;
        }
        return true;
      }
    });`;
    const probe = async (stream) => {
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([PROBE], { type: 'text/javascript' })));
      const node = new AudioWorkletNode(ctx, 'onset-probe', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' });
      node.port.onmessage = (e) => w.__sound.push(e.data);
      const mute = ctx.createGain();
      mute.gain.value = 0;
      ctx.createMediaStreamSource(stream).connect(node).connect(mute).connect(ctx.destination);
      await ctx.resume();
    };
    const md = navigator.mediaDevices;
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      const called = Date.now();
      const s = await gum(c);
      w.__gum.push({ called, resolved: Date.now() });
      probe(s).catch((e) => w.__gum.push({ probeError: String(e) }));
      return s;
    };
    new MutationObserver((ms) => {
      const now = Date.now();
      for (const m of ms) for (const n of m.addedNodes) {
        if (n instanceof HTMLElement && n.matches('[data-testid=event]')) w.__rows.push({ at: now, label: n.dataset.label, start: Number(n.dataset.start) });
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const nursery = await nurseryCtx.newPage();
  nursery.on('pageerror', (e) => console.log(`[alert:nursery pageerror] ${e.message}`));
  await nursery.goto(server.url);
  await nursery.waitForFunction(() => /Backend: available/.test(document.getElementById('backend-status')?.textContent ?? ''), null, { timeout: 30_000 });
  await nursery.getByTestId('start').click();
  await nursery.waitForSelector('[data-testid=status][data-state=listening], [data-testid=error]:not([hidden])', { timeout: 90_000 });
  if (await nursery.getByTestId('error').isVisible()) throw new Error(`nursery page did not start: ${await nursery.getByTestId('error').textContent()}`);
  const gum = await nursery.evaluate(() => /** @type {any} */ (window).__gum);
  if (gum.length !== 1) throw new Error(`expected one getUserMedia call and a working probe, saw ${JSON.stringify(gum)}`);
  const t0 = gum[0].called; // file time 0 is after this (and before gum[0].resolved)
  const startedAfter = await nursery.evaluate(() => Date.now() - performance.now() + /** @type {any} */ (window).cryscope.detector.startedAt);
  const sessionId = await nursery.evaluate(() => /** @type {any} */ (window).cryscope.detector.sessionId);
  const settings = await nursery.evaluate(() => { const s = /** @type {any} */ (window).cryscope.detector.info.settings; return { thresholds: s.thresholds, smoothing: s.smoothing }; });
  console.log(`[alert] nursery page settings in effect (the models' manifest): ${JSON.stringify(settings)}`);
  console.log(`[alert] getUserMedia answered ${gum[0].resolved - t0} ms after the call; the detector's capture ran ${f(startedAfter - t0, 0)} ms after the call`);

  // Listen through the whole file (Chromium would loop it), then let the last alert arrive.
  await sleep(Math.max(0, t0 + (total - TAIL + 3) * 1000 - Date.now()));
  const rows = await nursery.evaluate(() => /** @type {any} */ (window).__rows);
  await sleep(2000);
  const alerts = await caregiver.evaluate(() => /** @type {any} */ (window).__alerts);
  const sound = await nursery.evaluate(() => /** @type {any} */ (window).__sound);
  // Each cry's onset as the page received it: the first sound start the probe saw from file time 0
  // at the earliest (the call) to the latest (the answer) plus 0.5 s for the audio path's buffering
  // (the previous sound start, of the normal clip, is ≥ 2 s earlier).
  for (const c of cries) {
    const seen = sound.find((t) => t >= t0 + (c.onset + c.lead) * 1000 - 100 && t <= gum[0].resolved + (c.onset + c.lead) * 1000 + 500);
    c.probed = seen === undefined ? null : seen - c.lead * 1000;
  }
  const offsets = cries.filter((c) => c.probed !== null).map((c) => c.probed - c.onset * 1000 - t0);
  if (!offsets.length) throw new Error(`the probe saw no cry onset (sound starts: ${JSON.stringify(sound.map((t) => t - t0))})`);
  console.log(`[alert] cry onsets seen by the probe: ${offsets.length} of ${N}; played − file position − getUserMedia call: ${f(Math.min(...offsets), 0)}–${f(Math.max(...offsets), 0)} ms (constant if the fake device plays in real time)`);

  // ---- per cry: the first nursery cry row after the onset was played (before the next one) ----
  const cryRows = rows.filter((r) => r.label === 'cry');
  const used = new Set();
  const results = cries.map((c, k) => {
    // Not seen by the probe (should not happen): the median file-start offset of the others.
    const played = c.probed ?? t0 + c.onset * 1000 + median(offsets);
    // A row counts for this cry while the cry plays and up to 2 s after it ends (never past the next).
    const until = Math.min(played + (c.seconds + 2) * 1000, k + 1 < cries.length ? t0 + cries[k + 1].onset * 1000 : Infinity);
    const row = cryRows.find((r) => r.at >= played && r.at < until);
    if (row) used.add(row);
    const alert = row && alerts.find((a) => a.session === sessionId && a.label === 'cry' && Math.abs(a.start - row.start) < 0.006);
    return { ...c, played, detection: row ? (row.at - played) / 1000 : NaN, delivery: row && alert ? (alert.at - row.at) / 1000 : NaN, latency: alert ? (alert.at - played) / 1000 : NaN, streamStart: row?.start ?? null };
  });
  for (const [k, r] of results.entries()) {
    console.log(`[alert]   cry ${String(k + 1).padStart(2)} ${r.file} (from ${f(r.trimmed, 1)} s, ${f(r.seconds, 1)} s long, onset at ${f(r.onset, 2)} s of the file): ` +
      (Number.isFinite(r.latency) ? `alert ${f(r.latency)} s = detection ${f(r.detection)} + delivery ${f(r.delivery)}` : Number.isFinite(r.detection) ? `detected after ${f(r.detection)} s, NO caregiver alert` : 'not detected'));
  }
  const unmatched = rows.filter((r) => !used.has(r));
  const ok = results.filter((r) => Number.isFinite(r.latency));
  const det = results.filter((r) => Number.isFinite(r.detection));
  const lat = ok.map((r) => r.latency), dt = det.map((r) => r.detection), dl = ok.map((r) => r.delivery);
  const stored = await fetch(`${server.url}/api/v1/sessions/${sessionId}/events`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());
  const storedOnsets = stored.events.filter((e) => e.type === 'onset').length;
  const summary = {
    cries: N, alerted: ok.length, missed: N - ok.length, detected: det.length,
    alertLatencyS: { median: median(lat), p95: p95(lat), max: sorted(lat).at(-1) ?? NaN },
    detectionS: { median: median(dt), p95: p95(dt) }, deliveryS: { median: median(dl), p95: p95(dl) },
    otherOnsetRows: unmatched.map((r) => ({ label: r.label, start: r.start })), storedOnsets, caregiverAlerts: alerts.length,
    settings, getUserMediaMs: gum[0].resolved - t0, probeOffsetsMs: offsets, loadavg: loadavg(),
  };
  console.log(`[alert] alert latency (cry onset played → alert on the caregiver page), ${ok.length} of ${N} cries: median ${f(summary.alertLatencyS.median)} s, p95 ${f(summary.alertLatencyS.p95)} s (nearest rank), max ${f(summary.alertLatencyS.max)} s; missed ${summary.missed} (goals: median ≤ 1.5 s, p95 ≤ 2.5 s)`);
  console.log(`[alert]   detection (onset played → event row on the nursery page), ${det.length} of ${N}: median ${f(summary.detectionS.median)} s, p95 ${f(summary.detectionS.p95)} s`);
  console.log(`[alert]   delivery (nursery row → caregiver alert; POST, Temporal, PGlite, SSE), ${ok.length}: median ${f(summary.deliveryS.median)} s, p95 ${f(summary.deliveryS.p95)} s`);
  console.log(`[alert]   other onset rows on the nursery page (false alarms, or a second onset within one cry): ${unmatched.length ? unmatched.map((r) => `${r.label}@${f(r.start)}`).join(', ') : 'none'}; stored onsets ${storedOnsets}, caregiver alerts ${alerts.length}`);
  console.log(`[alert] load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} (after)`);
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, JSON.stringify({ summary, results, rows, alerts }, null, 1));
  console.log(`[alert] wrote ${o.json}`);
} catch (err) {
  console.error(`[alert] failed: ${err?.stack ?? err}`);
  if (server?.log) console.error(server.log.slice(-3000));
  code = 1;
} finally {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  await temporal.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
