#!/usr/bin/env node
// Overnight soak (issue #14 part 6): a long nursery stream through the real pipeline in headless
// Chromium — demo page served by the real server (Temporal dev server + PGlite), detector with the
// backend on — and prints page memory growth, dropped samples, decision-time drift, outbox and
// timeline sizes, and whether every event the page emitted is stored exactly once.
//
//   node web/bench/soak.mjs [--minutes 30] [--speed 1] [--loop-minutes 10] [--sample-seconds 60] [--json OUT]
//
// --speed 1 (default): the fake microphone plays the stream (Chromium loops the file) — the whole
//   path: AudioWorklet → ring → Worker → models → events → poster → outbox → POST, in real time.
// --speed N > 1: faster than real time. The page still listens to the fake microphone (same
//   detector, AudioContext, worker, ring, poster, outbox, server), but the capture worklet is told to
//   stop writing and the page writes the stream into the worker's shared-memory ring itself, at up to
//   N× real time and never faster than the worker drains it (the ring's free space paces it). Skipped
//   compared with --speed 1: only the worklet's copy of the microphone samples. Wall-clock timers
//   (batch interval, retries) tick at real time, so each batch carries N× more windows.
//
// The stream (built into a temp folder from ../shared test-split clips, never committed): mostly room
// tone (ambient / breathing / snore clips at low level over faint noise), some household sound and
// speech, a cry or a scream every ~2.5 min. Exit code: 0 unless something failed (page or server
// error, a POST answered other than 202) or an event was lost or stored twice — data loss is a bug,
// not a figure. Memory, drift and sizes are printed beside their goals, not gated.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' }, speed: { type: 'string', default: '1' },
    'loop-minutes': { type: 'string', default: '10' }, 'sample-seconds': { type: 'string', default: '60' },
    json: { type: 'string' }, seed: { type: 'string', default: '14' },
  },
});
const MINUTES = Number(a.minutes);
const SPEED = Number(a.speed);
const LOOP_MIN = Number(a['loop-minutes']);
const SAMPLE_S = Number(a['sample-seconds']);
if (!(MINUTES > 0) || !(SPEED >= 1) || !(LOOP_MIN > 0) || !(SAMPLE_S > 0)) { console.error('soak: bad arguments'); process.exit(2); }
const RATE = 48000;
const log = (s) => console.log(`[soak] ${s}`);
const mib = (b) => (b / 1048576).toFixed(2);

// ---- the stream --------------------------------------------------------------------------------
function csv(text) {
  const rows = text.trim().split(/\r?\n/).map((line) => {
    const out = []; let cur = ''; let q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; } else if (c === '"') q = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
    }
    out.push(cur);
    return out;
  });
  const h = rows[0];
  return rows.slice(1).map((r) => Object.fromEntries(h.map((k, i) => [k, r[i]])));
}
function testClips() {
  const test = new Set(csv(readFileSync(join(root, 'models/splits/split.csv'), 'utf8')).filter((r) => r.split === 'test').map((r) => r.file));
  return csv(readFileSync(join(shared, 'data/MANIFEST.csv'), 'utf8')).filter((r) => test.has(r.file))
    .map((r) => ({ file: r.file, label: r.label, category: r.category, duration: Number(r.duration_s) }))
    .sort((x, y) => x.file.localeCompare(y.file));
}
/** Decodes a clip to 16-bit mono at RATE (sox). */
const decode = (file) => { const b = execFileSync('sox', ['-V1', join(shared, 'data', file), '-t', 'raw', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-'], { maxBuffer: 1 << 28 }); return new Int16Array(b.buffer, b.byteOffset, b.length >> 1); };

/** Builds LOOP_MIN minutes of nursery audio; returns the WAV path and where the cries/screams are. */
function buildStream(dir) {
  let seed = Number(a.seed) >>> 0;
  const rnd = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; };
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const clips = testClips();
  const of = (pred) => clips.filter(pred);
  const tone = of((c) => c.label === 'normal' && ['ambient', 'breathing', 'snore'].includes(c.category));
  const house = of((c) => c.label === 'normal' && ['household', 'speech', 'tv_radio', 'music', 'cough'].includes(c.category));
  const cries = of((c) => c.label === 'cry');
  const screams = of((c) => c.label === 'scream');
  const total = Math.round(LOOP_MIN * 60 * RATE);
  const out = new Int16Array(total);
  let pos = 0;
  const marks = [];
  const noise = (s) => { const n = Math.min(total - pos, Math.round(s * RATE)); for (let i = 0; i < n; i++) out[pos + i] = Math.round((rnd() + rnd() + rnd() - 1.5) * 40); pos += n; };
  const put = (clip, gain) => {
    const x = decode(clip.file);
    const n = Math.min(total - pos, x.length);
    for (let i = 0; i < n; i++) out[pos + i] = Math.max(-32768, Math.min(32767, Math.round(x[i] * gain + (rnd() - 0.5) * 40)));
    if (clip.label !== 'normal' && n > 0) marks.push({ label: clip.label, start: pos / RATE, end: (pos + n) / RATE, file: clip.file });
    pos += n;
  };
  noise(5);
  put(pick(cries), 1); // an early cry, so a short run has events too
  let cycle = 0;
  while (pos < total) {
    // ~2.5 min of a quiet room: room tone at low level over faint noise, now and then household sound.
    const quietEnd = pos + (120 + rnd() * 60) * RATE;
    while (pos < quietEnd && pos < total) {
      const r = rnd();
      if (r < 0.55) put(pick(tone), 0.25);
      else if (r < 0.7) put(pick(house), 0.5);
      else noise(3 + rnd() * 10);
    }
    if (pos < total) put(cycle % 3 === 1 ? pick(screams) : pick(cries), 1); // a scream in every third cycle, from the second on
    cycle++;
  }
  const wav = join(dir, 'soak.wav');
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + total * 2, 4); header.write('WAVE', 8); header.write('fmt ', 12);
  header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22); header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write('data', 36); header.writeUInt32LE(total * 2, 40);
  writeFileSync(wav, Buffer.concat([header, Buffer.from(out.buffer)]));
  return { wav, marks };
}

// ---- the page side (runs in Chromium) -----------------------------------------------------------
/** Before any page script: remember the ring the detector gives its worker (for --speed > 1). */
const INIT = `(() => {
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (m, ...rest) {
    if (m && m.type === 'start' && m.ring) globalThis.__soakRing = { ring: m.ring, sampleRate: m.sampleRate };
    return post.call(this, m, ...rest);
  };
})();`;

/** After the detector listens: counters, our own event log, and (speed > 1) the ring feeder. */
async function instrument(page, speed) {
  await page.evaluate(async ({ speed }) => {
    const d = globalThis.cryscope.detector;
    const s = globalThis.__soak = { events: [], states: [], health: [], errors: [], warnings: [], sessions: new Set(), t0: performance.now(), audioAtT0: d.capture.ctx.currentTime, base: 0, fed: 0, speed };
    d.on('event', (e) => { s.events.push({ type: e.type, label: e.label, start: e.start, end: e.end, peak: e.peak, session: d.sessionId }); s.sessions.add(d.sessionId); });
    // Decisions are made every hop: end of the latest − count × hop stays constant unless a
    // decision is lost, repeated or shifted (exact: both counted here, on the main thread).
    s.windows = 0; s.lastEnd = 0;
    d.on('window', (w) => { s.windows++; s.lastEnd = w.end; });
    d.on('state', (x) => s.states.push(x));
    d.on('health', (h) => s.health.push(h));
    d.on('error', (e) => s.errors.push(`${e.code}: ${e.message}`));
    d.on('warning', (w) => s.warnings.push(String(w)));
    s.sessions.add(d.sessionId);
    if (speed <= 1) return;
    // Faster than real time: the worklet stops writing; we write the stream into the same ring.
    const res = await fetch('/__soak/stream.wav');
    const bytes = await res.arrayBuffer();
    const pcm = new Int16Array(bytes, 44);
    const { ring, sampleRate } = globalThis.__soakRing;
    const header = new Int32Array(ring, 0, 4);
    const data = new Float32Array(ring, 16);
    const cap = data.length;
    const step = 48000 / sampleRate; // the stream is at 48 kHz; linear interpolation to the context's rate
    d.capture.node.port.postMessage({ type: 'pause' });
    // Stream time the worker had from the microphone before the feeder took over.
    await new Promise((r) => setTimeout(r, 300));
    const avail = () => (Atomics.load(header, 0) - Atomics.load(header, 1) + cap) % cap;
    s.base = (await d.stats()).audioSeconds + avail() / sampleRate;
    let src = 0;
    const chunk = new Float32Array(Math.round(sampleRate * 0.02));
    const t0 = performance.now();
    s.t0 = t0;
    s.audioAtT0 = s.base;
    s.feedStalls = 0;
    s.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * sampleRate * speed);
      while (s.fed < due) {
        const w = Atomics.load(header, 0); const r = Atomics.load(header, 1);
        const free = (r - w - 1 + cap) % cap;
        const n = Math.min(chunk.length, due - s.fed);
        if (free < n) { s.feedStalls++; break; } // the worker has not caught up: wait, never drop
        for (let i = 0; i < n; i++) {
          const j = Math.floor(src); const f = src - j;
          const x0 = pcm[j % pcm.length]; const x1 = pcm[(j + 1) % pcm.length];
          chunk[i] = (x0 + (x1 - x0) * f) / 32768;
          src += step;
          if (src >= pcm.length) src -= pcm.length;
        }
        const first = Math.min(n, cap - w);
        data.set(chunk.subarray(0, first), w);
        if (n > first) data.set(chunk.subarray(first, n), 0);
        Atomics.store(header, 0, (w + n) % cap);
        Atomics.notify(header, 0);
        s.fed += n;
      }
    }, 20);
  }, { speed });
}

/** One reading: memory, counters, sizes, times. */
async function sample(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
  const main = (await cdp.send('Performance.getMetrics')).metrics;
  const m = Object.fromEntries(main.map((x) => [x.name, x.value]));
  return page.evaluate(async () => {
    const d = globalThis.cryscope.detector;
    const s = globalThis.__soak;
    let memory = null;
    try {
      const r = await performance.measureUserAgentSpecificMemory();
      const by = {};
      for (const b of r.breakdown) for (const at of b.attribution) { const k = at.scope ?? 'other'; by[k] = (by[k] ?? 0) + b.bytes; }
      memory = { bytes: r.bytes, byScope: by };
    } catch (e) { memory = { error: String(e) }; }
    const stats = await d.stats();
    const p = d.poster;
    const outbox = p ? await p.o.store.count().catch(() => -1) : -1;
    const win = globalThis.cryscope.windows;
    const sampleRate = d.sampleRate;
    const hop = d.info.settings.yamnetHopSeconds; // the decision grid, s
    // Audio time: what the capture has delivered (the AudioContext's clock; the feeder's count at
    // --speed > 1). Lag = audio time − end of the latest decision, the smallest of 8 reads over
    // ~0.8 s, so the decision grid does not show up as jitter.
    const audioNow = () => (s.speed > 1 ? s.base + s.fed / sampleRate : d.capture.ctx.currentTime);
    const decided = () => (win.length ? win[win.length - 1].end : 0);
    let lag = Infinity;
    let wallLag = Infinity;
    const wallNow = () => s.audioAtT0 + (performance.now() - s.t0) / 1000;
    for (let i = 0; i < 8; i++) {
      lag = Math.min(lag, audioNow() - decided());
      wallLag = Math.min(wallLag, wallNow() - decided());
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      wallS: (performance.now() - s.t0) / 1000, audioS: audioNow(), processedS: stats.audioSeconds, lagS: lag, wallLagS: wallLag,
      decisionS: decided(), hopS: hop, gridS: s.lastEnd - s.windows * hop, windowsSeen: s.windows, droppedSamples: stats.droppedSamples, decisions: stats.decisions,
      memory, state: d.state, sessions: s.sessions.size,
      sizes: {
        timelineWindows: win.length, pageEvents: globalThis.cryscope.events.length, eventRows: document.querySelectorAll('[data-testid=event]').length,
        posterWindows: p?.windows.length ?? -1, posterEvents: p?.events.length ?? -1, unsent: p?.unsent.size ?? -1, inFlight: p?.inFlight.size ?? -1, outbox,
      },
      sent: p?.status.sent ?? -1, feedStalls: s.feedStalls ?? 0,
    };
  }).then((r) => ({ ...r, mainJsHeapUsed: m.JSHeapUsedSize, mainJsHeapTotal: m.JSHeapTotalSize, domNodes: m.Nodes, listeners: m.JSEventListeners }));
}

// ---- run ------------------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'cryscope-soak-'));
const { TemporalDevServer } = await import(join(root, 'server/dist/server/src/devstack/temporal.js'));
const { ServerProcess } = await import(join(root, 'server/dist/server/src/devstack/server-process.js'));
const DEVICE = 'soak-device';
const TOKEN = 'soak-token-0123456789abcdef';
let temporal; let api; let browser;
const problems = [];
const result = { date: new Date().toISOString(), minutes: MINUTES, speedCap: SPEED, loopMinutes: LOOP_MIN, machine: { cores: cpus().length, loadBefore: loadavg() } };
let code = 0;
let cleaned = false;
const cleanup = async () => {
  if (cleaned) return;
  cleaned = true;
  await browser?.close().catch(() => undefined);
  await api?.stop().catch(() => undefined);
  await temporal?.stop().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
};
// Interrupted (Ctrl-C, a CI timeout): stop the browser, server and Temporal we started.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { log(`${sig}: stopping`); void cleanup().finally(() => process.exit(130)); });
try {
  log(`machine: ${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const t = Date.now();
  const { wav, marks } = buildStream(tmp);
  result.stream = { loopSeconds: LOOP_MIN * 60, cries: marks.filter((x) => x.label === 'cry').length, screams: marks.filter((x) => x.label === 'scream').length, loudSeconds: marks.reduce((n, x) => n + x.end - x.start, 0) };
  log(`stream: ${LOOP_MIN} min loop, ${result.stream.cries} cries + ${result.stream.screams} screams (${result.stream.loudSeconds.toFixed(0)} s), the rest room tone / household — built in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  temporal = new TemporalDevServer(join(tmp, 'temporal.db'));
  await temporal.start();
  api = new ServerProcess({ role: 'all', env: {
    TEMPORAL_ADDRESS: temporal.address, CRYSCOPE_PGLITE_DIR: join(tmp, 'pglite'), CRYSCOPE_API_KEYS: `${DEVICE}=${TOKEN}`,
    CRYSCOPE_DEMO_DEVICE: DEVICE, CRYSCOPE_STATIC_DIR: join(root, 'web/dist/demo'),
  } });
  await api.start();
  log(`server ${api.url} (Temporal ${temporal.address}, PGlite)`);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ...(SPEED === 1 ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--autoplay-policy=no-user-gesture-required', '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  const context = await browser.newContext({ permissions: ['microphone'] });
  const page = await context.newPage();
  await page.addInitScript(INIT);
  if (SPEED > 1) await page.route('**/__soak/stream.wav', (r) => r.fulfill({ path: wav, headers: { 'content-type': 'audio/wav', 'cross-origin-resource-policy': 'same-origin' } }));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  const posts = { total: 0, byStatus: {} };
  page.on('response', (r) => {
    if (!r.url().endsWith('/api/v1/detections')) return;
    posts.total++;
    posts.byStatus[r.status()] = (posts.byStatus[r.status()] ?? 0) + 1;
  });
  page.on('requestfailed', (r) => { if (r.url().endsWith('/api/v1/detections')) posts.byStatus.failed = (posts.byStatus.failed ?? 0) + 1; });
  await page.goto(api.url);
  await page.waitForFunction(() => /Backend: available/.test(document.getElementById('backend-status')?.textContent ?? ''), null, { timeout: 30_000 });
  await page.getByTestId('start').click();
  await page.waitForSelector('[data-testid=status][data-state=listening], [data-testid=error]:not([hidden])', { timeout: 120_000 });
  if (await page.getByTestId('error').isVisible()) throw new Error(`demo did not start: ${await page.getByTestId('error').textContent()}`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await instrument(page, SPEED);
  log(`listening at ${await page.evaluate(() => globalThis.cryscope.detector.sampleRate)} Hz, transport ${await page.evaluate(() => globalThis.cryscope.detector.transport)}, speed ${SPEED === 1 ? 'real time (fake microphone)' : `up to ${SPEED}× (page feeds the worker's ring)`}; ${MINUTES} min wall`);

  const samples = [];
  const take = async () => {
    const s = await sample(page, cdp);
    s.load = loadavg()[0];
    samples.push(s);
    const mem = s.memory?.bytes !== undefined ? `${mib(s.memory.bytes)} MiB` : s.memory?.error;
    log(`t=${(s.wallS / 60).toFixed(1)} min wall, audio ${(s.audioS / 60).toFixed(1)} min, decisions to ${(s.decisionS / 60).toFixed(2)} min (lag ${s.lagS.toFixed(2)} s), memory ${mem}, main heap ${mib(s.mainJsHeapUsed)} MiB, dropped ${s.droppedSamples}, events ${s.sizes.pageEvents}, timeline ${s.sizes.timelineWindows}, unsent ${s.sizes.unsent}, outbox ${s.sizes.outbox}, sent ${s.sent}, load ${s.load.toFixed(1)}`);
    return s;
  };
  // Baseline after a short warm-up (models' first runs allocate).
  await page.waitForTimeout(Math.min(30, MINUTES * 60 * 0.15) * 1000);
  const first = await take();
  const HOP = first.hopS; // the decision hop, s: the page's yamnetHopSeconds (the model manifest's)
  const end = Date.now() + MINUTES * 60_000 - first.wallS * 1000;
  while (Date.now() < end) {
    await page.waitForTimeout(Math.min(SAMPLE_S * 1000, Math.max(0, end - Date.now())));
    await take();
  }
  const last = samples[samples.length - 1];

  // End the session as a user would (Stop): the worker flushes open episodes, the poster queues and sends the rest.
  if (SPEED > 1) await page.evaluate(() => clearInterval(globalThis.__soak.timer));
  await page.getByTestId('stop').click();
  await page.waitForSelector('[data-testid=status][data-state=stopped]', { timeout: 60_000 });
  // Wait until the page has nothing left to send (outbox empty) and the server has stored it all.
  const drained = Date.now() + 120_000;
  for (;;) {
    const outbox = await page.evaluate(() => new Promise((res) => {
      const rq = indexedDB.open('cryscope-outbox');
      rq.onerror = () => res(-1);
      rq.onsuccess = () => { const db = rq.result; try { const names = [...db.objectStoreNames]; const tx = db.transaction(names, 'readonly'); const c = tx.objectStore(names[0]).count(); c.onsuccess = () => { res(c.result); db.close(); }; c.onerror = () => res(-1); } catch { res(-1); } };
    }));
    if (outbox === 0 || Date.now() > drained) { result.outboxAfterStop = outbox; break; }
    await page.waitForTimeout(500);
  }
  const emitted = await page.evaluate(() => globalThis.__soak.events);
  const soak = await page.evaluate(() => ({ states: globalThis.__soak.states, health: globalThis.__soak.health, errors: globalThis.__soak.errors, warnings: globalThis.__soak.warnings, feedStalls: globalThis.__soak.feedStalls ?? 0 }));

  // What the server stored, through its API (Temporal → PGlite), for every session of the device.
  const get = async (path) => { const r = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }); if (!r.ok) throw new Error(`GET ${path}: ${r.status}`); return r.json(); };
  const sessionIds = [...new Set(emitted.map((e) => e.session))];
  const key = (e) => `${e.type}|${e.label}|${Number(e.start).toFixed(3)}|${e.end === undefined || e.end === null ? '' : Number(e.end).toFixed(3)}`;
  let stored = [];
  const storeDeadline = Date.now() + 60_000;
  for (;;) {
    stored = [];
    const { sessions } = await get('/api/v1/sessions?limit=1000');
    for (const s of sessions) {
      const id = s.sessionId ?? s.id;
      for (let off = 0; ; off += 10_000) {
        const { events } = await get(`/api/v1/sessions/${id}/events?limit=10000&offset=${off}`);
        stored.push(...events.map((e) => ({ ...e, session: id })));
        if (events.length < 10_000) break;
      }
    }
    if (stored.length >= emitted.length || Date.now() > storeDeadline) break; // storage is asynchronous (workflow after the 202)
    await new Promise((r) => setTimeout(r, 1000));
  }
  const count = (xs) => xs.reduce((m, e) => m.set(`${e.session}|${key(e)}`, (m.get(`${e.session}|${key(e)}`) ?? 0) + 1), new Map());
  const pe = count(emitted); const se = count(stored);
  const lost = [...pe].filter(([k, n]) => (se.get(k) ?? 0) < n).map(([k]) => k);
  const duplicated = [...se].filter(([k, n]) => n > (pe.get(k) ?? 0)).map(([k]) => k);
  const deadLetters = (await get('/api/v1/dead-letters')).deadLetters ?? [];

  // ---- figures ----
  const memOf = (s) => s.memory?.bytes;
  const growth = memOf(last) !== undefined && memOf(first) !== undefined ? memOf(last) - memOf(first) : NaN;
  const mainGrowth = last.mainJsHeapUsed - first.mainJsHeapUsed;
  // Least-squares slope of memory over audio time in the run's second half (past warm-up effects), per hour of audio.
  const late = samples.filter((s) => memOf(s) !== undefined && s.audioS >= (first.audioS + last.audioS) / 2);
  const slope = (() => {
    if (late.length < 3) return NaN;
    const mx = late.reduce((n, s) => n + s.audioS, 0) / late.length; const my = late.reduce((n, s) => n + memOf(s), 0) / late.length;
    const sxx = late.reduce((n, s) => n + (s.audioS - mx) ** 2, 0);
    return (late.reduce((n, s) => n + (s.audioS - mx) * (memOf(s) - my), 0) / sxx) * 3600;
  })();
  const audioH = (last.audioS - first.audioS) / 3600;
  // 8 hours: measured when the run covered them, else the measured growth + the late slope for the rest.
  const eightHours = audioH >= 8 ? growth : growth + (Number.isFinite(slope) ? slope : growth / audioH) * (8 - audioH);
  const lags = samples.map((s) => s.lagS);
  const drift = lags[lags.length - 1] - lags[0];
  const wallDrift = last.wallLagS - first.wallLagS;
  const gridDrift = last.gridS - first.gridS;
  // Samples the AudioContext clock (or the feeder) says were delivered but the worker never got.
  const captureGapS = (last.audioS - last.processedS) - (first.audioS - first.processedS);
  const audioMin = (last.audioS - first.audioS) / 60;
  const wallMin = (last.wallS - first.wallS) / 60;
  const perHour = (x) => (audioMin > 0 ? (x / audioMin) * 60 : NaN);
  const maxOf = (k) => Math.max(...samples.map((s) => s.sizes[k]));
  Object.assign(result, {
    samples, first, last, emitted: emitted.length, stored: stored.length, sessions: sessionIds.length, lost, duplicated, deadLetters: deadLetters.length, posts,
    states: soak.states, health: soak.health, detectorErrors: soak.errors, warnings: soak.warnings, feedStalls: soak.feedStalls, problems,
    figures: {
      wallMinutes: wallMin, audioMinutes: audioMin, achievedSpeed: audioMin / wallMin,
      memoryGrowthBytes: growth, memoryGrowthPerHourOfAudio: perHour(growth), memoryLateSlopePerHour: slope, memoryGrowth8hBytes: eightHours, mainHeapGrowthBytes: mainGrowth,
      droppedSamples: last.droppedSamples, captureGapS, wallDriftS: wallDrift,
      gridDriftS: gridDrift, lagFirstS: lags[0], lagLastS: lags[lags.length - 1], lagMinS: Math.min(...lags), lagMaxS: Math.max(...lags), driftS: drift,
      maxUnsent: maxOf('unsent'), maxOutbox: maxOf('outbox'), maxTimelineWindows: maxOf('timelineWindows'),
    },
    machine: { ...result.machine, loadAfter: loadavg() },
  });
  const f = result.figures;
  const ok = (b) => (b ? 'met' : 'MISSED');
  console.log('\n[soak] ===== figures (goals from issue #14 part 6) =====');
  console.log(`[soak] run: ${f.wallMinutes.toFixed(1)} min wall, ${f.audioMinutes.toFixed(1)} min of audio measured (speed ${f.achievedSpeed.toFixed(2)}×, cap ${SPEED}×), ${cpus().length} cores, load ${result.machine.loadBefore[0].toFixed(1)} → ${result.machine.loadAfter[0].toFixed(1)}`);
  console.log(`[soak] page memory (measureUserAgentSpecificMemory, page + workers): ${mib(memOf(first))} → ${mib(memOf(last))} MiB, growth ${mib(growth)} MiB over ${(audioH).toFixed(2)} h of audio (${mib(f.memoryGrowthPerHourOfAudio)} MiB/h overall, ${mib(slope)} MiB/h in the second half) → 8 h: ${mib(eightHours)} MiB${audioH >= 8 ? ' (measured)' : ' (measured + second-half slope × the hours not run)'} | goal ≤ 5 MiB over 8 h — ${audioH < 1 ? 'not judged (less than 1 h of audio: too short to extrapolate)' : ok(eightHours <= 5 * 1048576)}`);
  console.log(`[soak]   main-thread JS heap (CDP): ${mib(first.mainJsHeapUsed)} → ${mib(last.mainJsHeapUsed)} MiB; by scope at the end: ${JSON.stringify(Object.fromEntries(Object.entries(last.memory?.byScope ?? {}).map(([k, v]) => [k, `${mib(v)} MiB`])))}`);
  console.log(`[soak] dropped samples (ring overflow counter): ${f.droppedSamples}; delivered but not processed (growth of audio time − processed) ${f.captureGapS.toFixed(2)} s; capture interruptions ${soak.health.length}, sessions ${sessionIds.length} | goal 0 — ${ok(f.droppedSamples === 0 && Math.abs(f.captureGapS) < (SPEED > 1 ? 2 * 4 : HOP) && soak.health.length === 0)}`);
  console.log(`[soak] decision lag (audio delivered − end of the latest decision, min of 8 reads): first ${f.lagFirstS.toFixed(2)} s, last ${f.lagLastS.toFixed(2)} s, range ${f.lagMinS.toFixed(2)}…${f.lagMaxS.toFixed(2)} s; drift ${f.driftS.toFixed(2)} s${SPEED > 1 ? ` (at ${SPEED}× the feeder keeps the 4 s ring full whenever the worker is the bottleneck, and the worker takes up to all of it per step: the lag is bounded by 2 × 4 s + a window, by construction, and moves in such steps)` : ''}; decision grid (end of the latest decision − decisions × ${HOP} s) moved ${f.gridDriftS.toFixed(3)} s over ${last.windowsSeen - first.windowsSeen} decisions | goal drift ≤ one hop (${HOP} s) — ${ok(Math.abs(f.gridDriftS) <= HOP && (SPEED > 1 ? f.lagMaxS <= 2 * 4 + 2 * HOP : Math.abs(f.driftS) <= HOP))}`);
  if (SPEED === 1) console.log(`[soak]   against the wall clock: decisions fell behind by ${f.wallDriftS.toFixed(2)} s more (${((f.wallDriftS / (f.wallMinutes * 60)) * 100).toFixed(2)} % of the run; the AudioContext clock ran ${f.achievedSpeed.toFixed(4)}× wall) — samples the fake microphone never delivered; see web/README.md (Overnight soak) on this`);
  console.log(`[soak] timeline: ${first.sizes.timelineWindows} → ${last.sizes.timelineWindows} windows (max ${f.maxTimelineWindows}); page event list ${first.sizes.pageEvents} → ${last.sizes.pageEvents} (${last.sizes.eventRows} rows; grows with events only)`);
  console.log(`[soak] outbox: unsent ${first.sizes.unsent} → ${last.sizes.unsent} (max ${f.maxUnsent}), IndexedDB ${first.sizes.outbox} → ${last.sizes.outbox} (max ${f.maxOutbox}), after stop ${result.outboxAfterStop}; buffered windows at the end ${last.sizes.posterWindows} | goal bounded — ${ok(f.maxUnsent <= 10 && f.maxOutbox <= 10 && result.outboxAfterStop === 0)}`);
  console.log(`[soak] events: page emitted ${emitted.length}, server stored ${stored.length}; lost ${lost.length}, duplicated ${duplicated.length}; dead letters ${deadLetters.length}; POSTs ${posts.total} ${JSON.stringify(posts.byStatus)} | goal every event stored once — ${ok(!lost.length && !duplicated.length)}`);
  if (lost.length || duplicated.length) { console.log(`[soak] lost: ${lost.slice(0, 10).join(', ')}; duplicated: ${duplicated.slice(0, 10).join(', ')}`); code = 1; }
  const badPosts = Object.entries(posts.byStatus).filter(([s]) => s !== '202');
  if (badPosts.length || deadLetters.length || soak.errors.length || problems.length) {
    console.log(`[soak] ERRORS: posts ${JSON.stringify(Object.fromEntries(badPosts))}, dead letters ${deadLetters.length}, detector ${JSON.stringify(soak.errors)}, page ${JSON.stringify(problems.slice(0, 10))}`);
    code = 1;
  }
  if (!emitted.length) { console.log('[soak] ERROR: no event at all — the stream has cries, so the pipeline did not work'); code = 1; }
} catch (e) {
  console.error(`[soak] failed: ${e?.stack ?? e}`);
  result.error = String(e?.message ?? e);
  if (api?.log) console.error(`[soak] server log tail: ${api.log.slice(-2000)}`);
  code = 1;
} finally {
  await cleanup();
}
const out = a.json ?? join(root, 'test-results/bench/soak.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 1));
log(`wrote ${out}; exit ${code}`);
process.exit(code);
