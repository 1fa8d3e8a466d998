// The demo page in real headless Chromium with a fake microphone playing real recordings from
// ../shared (test split), served by web/demo/serve.mjs with CSP + COOP/COEP.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkManifest } from '../../web/src/manifest.js';
import { detectionSettings, resolveOptions } from '../../web/src/options.js';
import { validateBatch } from '../../web/src/protocol/index.js';
import { launch, longestClip, RESULTS, ROOT, serve, TMP, toWav, watch, type Served } from './helpers.js';

const DEMO = join(ROOT, 'web/dist/demo');
let server: Served;
const browsers: Browser[] = [];

beforeAll(async () => { server = await serve(DEMO); });
// Each test's browsers close when it ends: left open, every earlier page keeps listening and running both
// models, so by the last of 17 tests the 2-core machine was running them all (load average 20-60).
afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close().catch(() => undefined);
});
afterAll(() => { server?.close(); });

async function open(wav: string | undefined, opts: { fakeUi?: boolean; fakeDevice?: boolean; url?: string; init?: string } = {}) {
  const browser = await launch({ wav, fakeUi: opts.fakeUi, fakeDevice: opts.fakeDevice });
  browsers.push(browser);
  const context = await browser.newContext(opts.fakeUi === false ? {} : { permissions: ['microphone'] });
  const w = watch(context, new URL(server.url).origin);
  const page = await context.newPage();
  if (opts.init) await page.addInitScript(opts.init);
  await page.goto(opts.url ?? server.url);
  return { browser, context, page, ...w };
}

async function listen(page: Page) {
  await page.getByTestId('start').click();
  await page.waitForSelector('[data-testid=status][data-state=listening], [data-testid=error]:not([hidden])', { timeout: 60_000 });
  // Fail with the page's own message (e.g. a CSP violation while loading the core), not a timeout.
  if (await page.getByTestId('error').isVisible()) throw new Error(`demo did not start: ${await page.getByTestId('error').textContent()}`);
}

/** Stream time (s) of the latest decision shown on the page. */
async function streamTime(page: Page): Promise<number> {
  return Number((await page.getByTestId('bars').or(page.locator('#bars')).first().getAttribute('data-time')) ?? 0);
}

describe('demo page, live microphone (fake device)', () => {
  // The same check for cryscope/node, the CLI and the server's clips: tests/web/integration/defaults.test.ts.
  it('runs the package with the same default settings as Node: the option declaration + the model manifest', async () => {
    const { page } = await open(undefined);
    const settings = await page.evaluate(async () => {
      const d = await (window as any).cryscope.CryDetector.create({});
      const s = d.info.settings;
      await d.destroy();
      return s;
    });
    const manifest = checkManifest(JSON.parse(readFileSync(join(DEMO, 'models/manifest.json'), 'utf8')));
    expect(settings).toEqual(detectionSettings(manifest, resolveOptions({})));
    expect(settings.wav2vec2WindowSeconds).toBe(manifest.models.wav2vec2!.window_samples / 16000);
    expect(settings.minDurationSeconds).toBe(manifest.events.min_duration_s);
  });

  it('detects a cry within a few seconds of the cry starting', async () => {
    const clip = longestClip('cry');
    const PRE = 2;
    const wav = toWav(clip.path, 'cry.wav', { rate: 48000, pre: PRE, post: 4 });
    const { page, foreign, errors } = await open(wav);
    await listen(page);
    // Chromium's fake device runs at the output rate (44.1/48 kHz), so the core resamples to 16 kHz.
    expect(await page.getByTestId('status').textContent()).toMatch(/(44100|48000) Hz.*shared-memory ring/);
    const ev = page.locator('[data-testid=event][data-label=cry]').first();
    await ev.waitFor({ timeout: 30_000 });
    const start = Number(await ev.getAttribute('data-start'));
    const detectedAt = await streamTime(page);
    await page.screenshot({ path: join(RESULTS, 'cry-detected.png'), fullPage: true });
    console.log(`cry clip ${clip.file}: event start ${start.toFixed(2)} s (cry starts at ${PRE} s), shown at stream time ${detectedAt.toFixed(2)} s`);
    // The episode starts near the true start and is reported within a few seconds of it.
    expect(start).toBeGreaterThanOrEqual(PRE - 1.5);
    expect(start).toBeLessThanOrEqual(PRE + 3);
    expect(detectedAt).toBeLessThanOrEqual(PRE + 5);
    // Fused probabilities are readable from the DOM and sum to 1.
    const p = await Promise.all(['cry', 'scream', 'normal'].map(async (l) => Number(await page.getByTestId(`prob-${l}`).getAttribute('data-value'))));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(await page.getByTestId('audioset').locator('li').count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    // Only the standalone server's 404 for /api/v1/demo/credentials (no backend here) is expected.
    expect(errors.filter((e) => !/Failed to load resource.*404/.test(e))).toEqual([]);
  });

  it('reports no event for a speech recording', async () => {
    const clip = longestClip('normal', 'speech');
    const wav = toWav(clip.path, 'speech.wav', { rate: 44100, pre: 0.5, post: 0.5 });
    const { page } = await open(wav);
    await listen(page);
    // Listen to the whole recording once and a bit more (Chromium loops the file).
    const until = clip.duration + 3;
    await page.waitForFunction((t) => Number(document.getElementById('bars')?.dataset.time ?? 0) >= t, until, { timeout: 60_000, polling: 250 });
    await page.screenshot({ path: join(RESULTS, 'speech-no-event.png'), fullPage: true });
    console.log(`speech clip ${clip.file} (${clip.duration} s at 44.1 kHz): ${await page.locator('[data-testid=event]').count()} events`);
    expect(await page.locator('[data-testid=event]').count()).toBe(0);
  });

  it('detects a scream', async () => {
    const clip = longestClip('scream');
    const wav = toWav(clip.path, 'scream.wav', { rate: 48000, pre: 1, post: 3 });
    const { page } = await open(wav);
    await listen(page);
    const ev = page.locator('[data-testid=event][data-label=scream]').first();
    await ev.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(RESULTS, 'scream-detected.png'), fullPage: true });
    const start = Number(await ev.getAttribute('data-start'));
    console.log(`scream clip ${clip.file}: event start ${start.toFixed(2)} s`);
    expect(start).toBeLessThanOrEqual(1 + clip.duration);
  });

  it('shows a clear error when microphone permission is denied', async () => {
    const { page } = await open(undefined, { fakeUi: false });
    await page.getByTestId('start').click();
    const err = page.getByTestId('error');
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    await page.screenshot({ path: join(RESULTS, 'permission-denied.png'), fullPage: true });
    expect(await err.getAttribute('data-code')).toBe('permission-denied');
    expect(await err.textContent()).toMatch(/permission was denied/i);
    expect(await page.getByTestId('status').getAttribute('data-state')).toBe('error');
  });

  it('says so when there is no microphone', async () => {
    const { page } = await open(undefined, { fakeDevice: false });
    await page.getByTestId('start').click();
    const err = page.getByTestId('error');
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    await page.screenshot({ path: join(RESULTS, 'no-device.png'), fullPage: true });
    expect(await err.getAttribute('data-code')).toBe('no-device');
    expect(await err.textContent()).toMatch(/No microphone was found/);
  });

  it('says so when the browser cannot capture audio (no AudioWorklet)', async () => {
    const { page } = await open(undefined, { init: 'delete window.AudioContext; delete window.AudioWorkletNode;' });
    await page.getByTestId('start').click();
    const err = page.getByTestId('error');
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    expect(await err.getAttribute('data-code')).toBe('unsupported');
    expect(await err.textContent()).toMatch(/missing AudioWorklet/);
    expect(await page.getByTestId('status').textContent()).toMatch(/not supported/);
  });

  it('says so when the models cannot be downloaded', async () => {
    const { page } = await open(undefined, { url: `${server.url}?modelBaseUrl=/no-such-models/` });
    await page.getByTestId('start').click();
    const err = page.getByTestId('error');
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    expect(await err.getAttribute('data-code')).toBe('model-download');
    expect(await err.textContent()).toMatch(/Could not download the models.*HTTP 404/);
  });

  it('analyses a dropped file with the same pipeline and draws its timeline', async () => {
    const clip = longestClip('cry');
    const wav = readFileSync(toWav(clip.path, 'drop.wav', { rate: 22050, pre: 1, post: 1 }));
    const { page } = await open(undefined);
    const dt = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const d = new DataTransfer();
      d.items.add(new File([bytes], 'cry.wav', { type: 'audio/wav' }));
      return d;
    }, wav.toString('base64'));
    await page.getByTestId('drop').dispatchEvent('drop', { dataTransfer: dt });
    const res = page.locator('[data-testid=file-result][data-state=done]');
    await res.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(RESULTS, 'file-dropped.png'), fullPage: true });
    expect(await res.getAttribute('data-label')).toBe('cry');
    expect(await page.locator('[data-testid=file-event][data-label=cry]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('file-timeline').isVisible()).toBe(true);
  });

  it('loads the models from Cache Storage on a second visit (model URLs blocked)', async () => {
    const { page } = await open(undefined);
    await page.getByTestId('file-input').setInputFiles({ name: 'x.wav', mimeType: 'audio/wav', buffer: readFileSync(toWav(longestClip('scream').path, 'x.wav', { rate: 16000 })) });
    await page.locator('[data-testid=file-result][data-state=done]').waitFor({ timeout: 60_000 });
    let blocked = 0;
    await page.route(/\.(onnx|csv)(\?|$)|manifest\.json(\?|$)/, (r) => { blocked++; return r.abort(); });
    await page.reload();
    await page.getByTestId('file-input').setInputFiles({ name: 'x.wav', mimeType: 'audio/wav', buffer: readFileSync(toWav(longestClip('scream').path, 'y.wav', { rate: 16000 })) });
    await page.locator('[data-testid=file-result][data-state=done]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('error').isVisible()).toBe(false);
    expect(await page.locator('#about').getAttribute('data-models')).toBe('yamnet,wav2vec2');
    // Wav2Vec2 in its own worker (2 cores here) loaded from the cache as well
    expect(await page.locator('#about').getAttribute('data-model-workers')).toBe('2');
    expect(blocked).toBeGreaterThanOrEqual(1); // the manifest request was tried and blocked
    console.log(`second visit: ${blocked} model requests blocked, detector loaded from Cache Storage`);
  });

  it('falls back to message passing when the page is not cross-origin isolated', async () => {
    const plain = await serve(DEMO, ['--no-isolation']);
    try {
      const clip = longestClip('cry');
      const wav = toWav(clip.path, 'cry2.wav', { rate: 44100, pre: 1, post: 3 });
      const { page } = await open(wav, { url: plain.url });
      await listen(page);
      expect(await page.getByTestId('status').textContent()).toMatch(/message transport/);
      await page.locator('[data-testid=event][data-label=cry]').first().waitFor({ timeout: 30_000 });
    } finally {
      plain.close();
    }
  });

  it('sends results — never audio — to the backend in valid, idempotent batches', async () => {
    const file = join(TMP, 'batches.jsonl');
    const backend = await serve(DEMO, ['--record-batches', file]);
    try {
      const clip = longestClip('cry');
      const wav = toWav(clip.path, 'cry-backend.wav', { rate: 48000, pre: 1, post: 2 });
      const { page } = await open(wav, { url: backend.url });
      await page.waitForFunction(() => !(document.querySelector('[name=backend]') as HTMLInputElement).disabled);
      await listen(page);
      await page.locator('[data-testid=event][data-label=cry]').first().waitFor({ timeout: 30_000 });
      await page.waitForSelector('[data-testid=backend-status][data-state=sent]', { timeout: 30_000 });
      // The onset's batch carries only the windows decided before it; listen on (>= 8 hops) so that the
      // window summaries after it have to arrive with the batch interval or stop()'s flush.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=bars], #bars')?.getAttribute('data-time') ?? 0) >= 4, undefined, { timeout: 30_000 });
      await page.getByTestId('stop').click();
      await page.waitForSelector('[data-testid=status][data-state=stopped]');
      await page.screenshot({ path: join(RESULTS, 'backend-sent.png'), fullPage: true });
      // The onset went out at once, with only the windows buffered by then; the rest leave with stop()'s
      // flush, which resolves once they are in the outbox and are posted right after: wait for them.
      const received = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
      const windowsReceived = () => received().reduce((n: number, p: { body: { windows: unknown[] } }) => n + p.body.windows.length, 0);
      for (const deadline = Date.now() + 20_000; windowsReceived() <= 5 && Date.now() < deadline;) await page.waitForTimeout(200);
      expect(existsSync(file)).toBe(true);
      const posts = received();
      expect(posts.length).toBeGreaterThanOrEqual(1);
      const ids = new Set<string>();
      let windows = 0;
      const events: { type: string; label: string }[] = [];
      for (const p of posts) {
        const v = validateBatch(p.body);
        expect(v.ok ? [] : v.errors).toEqual([]);
        expect(p.headers['idempotency-key']).toBe(p.body.batchId);
        expect(ids.has(p.body.batchId)).toBe(false);
        ids.add(p.body.batchId);
        windows += p.body.windows.length;
        events.push(...p.body.events);
        // Never audio: no numeric array longer than 3 anywhere in a batch.
        const longest = (x: unknown): number => (Array.isArray(x) ? Math.max(x.every((e) => typeof e === 'number') ? x.length : 0, ...x.map(longest)) : x && typeof x === 'object' ? Math.max(0, ...Object.values(x).map(longest)) : 0);
        expect(longest(p.body)).toBeLessThanOrEqual(3);
      }
      console.log(`backend received ${posts.length} batches, ${windows} windows, events ${JSON.stringify(events.map((e) => `${e.type}:${e.label}`))}`);
      expect(windows).toBeGreaterThan(5);
      expect(events.some((e) => e.type === 'onset' && e.label === 'cry')).toBe(true);
    } finally {
      backend.close();
    }
  });

});

describe('demo page, a night of listening: wake lock and recovery (fake device)', () => {
  /** Records the detector's state and health events, and new sessions (stream time back to 0), from now on. */
  async function record(page: Page) {
    await page.evaluate(() => {
      const w = window as unknown as { cryscope: { detector: any }; states: string[]; health: any[]; sessions: number; lastEnd: number };
      w.states = [];
      w.health = [];
      w.sessions = 0;
      w.lastEnd = Number(document.getElementById('bars')?.dataset.time ?? 0); // the latest decision shown
      w.cryscope.detector.on('state', (s: string) => w.states.push(s));
      w.cryscope.detector.on('health', (h: unknown) => w.health.push(h));
      w.cryscope.detector.on('window', (x: { end: number }) => { if (x.end < w.lastEnd) w.sessions++; w.lastEnd = x.end; });
    });
    return async () => page.evaluate(() => { const w = window as unknown as { states: string[]; health: any[] }; return { states: w.states, health: w.health }; });
  }

  /** Windows come again after a restart: a new session's stream time (from 0) passes `t`. */
  async function hearsAgain(page: Page, t: number) {
    await page.waitForFunction((x) => { const w = window as unknown as { sessions: number; lastEnd: number }; return w.sessions >= 1 && w.lastEnd >= x; }, t, { timeout: 30_000, polling: 200 });
  }

  it('restarts the microphone by itself when its track ends (unplugged) and keeps detecting', async () => {
    const clip = longestClip('cry');
    const wav = toWav(clip.path, 'cry-unplug.wav', { rate: 48000, pre: 1, post: 2 });
    const { page, errors } = await open(wav);
    await listen(page);
    await page.locator('[data-testid=event][data-label=cry]').first().waitFor({ timeout: 30_000 });
    const results = await record(page);
    const cryRows = await page.locator('[data-testid=event][data-label=cry]').count();
    const oldTrack = await page.evaluate(() => {
      const t = (window as any).cryscope.detector.mediaStream.getAudioTracks()[0] as MediaStreamTrack;
      t.stop(); // what an unplugged device does, seen from the page: the track ends …
      t.dispatchEvent(new Event('ended')); // … and says so (stop() from script does not fire 'ended')
      return t.id;
    });
    await page.waitForSelector('[data-testid=status][data-state=listening]', { timeout: 30_000 });
    const { states, health } = await results();
    console.log(`unplug: states ${JSON.stringify(states)}, health ${JSON.stringify(health)}`);
    expect(states).toEqual(['recovering', 'listening']);
    expect(health[0]).toMatchObject({ type: 'interrupted', problem: 'microphone-ended' });
    expect(health[health.length - 1]).toMatchObject({ type: 'recovered', problem: 'microphone-ended', attempts: 1 });
    expect(health[health.length - 1].downtimeSeconds).toBeLessThan(10);
    const now = await page.evaluate(() => { const t = (window as any).cryscope.detector.mediaStream.getAudioTracks()[0] as MediaStreamTrack; return { id: t.id, state: t.readyState }; });
    expect(now.id).not.toBe(oldTrack);
    expect(now.state).toBe('live');
    await hearsAgain(page, 2);
    // The new session detects the looping cry again: a new cry row appears.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=event][data-label=cry]').length > n, cryRows, { timeout: 30_000 });
    await page.screenshot({ path: join(RESULTS, 'recovered-unplug.png'), fullPage: true });
    expect(errors.filter((e) => !/Failed to load resource.*404/.test(e))).toEqual([]);
  });

  it('shows the recovering state and comes back when the AudioContext is suspended under it', async () => {
    const clip = longestClip('normal', 'speech');
    const wav = toWav(clip.path, 'speech-suspend.wav', { rate: 44100, pre: 0.5, post: 0.5 });
    const { page } = await open(wav);
    await listen(page);
    await page.waitForFunction(() => Number(document.getElementById('bars')?.dataset.time ?? 0) >= 2, null, { timeout: 30_000 });
    const results = await record(page);
    // Hold the restart back for a moment (the next getUserMedia answers 1.5 s late) so the
    // recovering state is on screen long enough to be read from the DOM, as a user would see it.
    await page.evaluate(() => {
      const md = navigator.mediaDevices;
      const gum = md.getUserMedia.bind(md);
      md.getUserMedia = (c?: MediaStreamConstraints) => { md.getUserMedia = gum; return new Promise((r) => setTimeout(r, 1500)).then(() => gum(c)); };
      void (window as any).cryscope.detector.capture.ctx.suspend(); // as the browser or OS would
    });
    await page.waitForSelector('[data-testid=status][data-state=recovering]', { timeout: 10_000 });
    expect(await page.getByTestId('status').textContent()).toMatch(/Not hearing anything.*suspended/);
    expect(await page.title()).toMatch(/^⚠/);
    await page.waitForSelector('[data-testid=status][data-state=listening]', { timeout: 30_000 });
    const { states, health } = await results();
    console.log(`suspend: states ${JSON.stringify(states)}, health ${JSON.stringify(health)}`);
    expect(states).toEqual(['recovering', 'listening']);
    expect(health.map((h: { type: string }) => h.type)).toEqual(['interrupted', 'recovered']);
    expect(health[0].problem).toBe('audio-suspended');
    expect(await page.evaluate(() => (window as any).cryscope.detector.capture.ctx.state)).toBe('running');
    expect(await page.title()).toMatch(/^●/);
    await hearsAgain(page, 2);
  });

  it('does not mistake pause() for an interruption', async () => {
    const { page } = await open(undefined);
    await listen(page);
    const results = await record(page);
    await page.getByTestId('pause').click();
    await page.waitForFunction(() => (window as any).cryscope.detector.capture.ctx.state === 'suspended');
    await page.waitForTimeout(500);
    await page.getByTestId('pause').click(); // resume
    await page.waitForFunction(() => (window as any).cryscope.detector.capture.ctx.state === 'running');
    const { states, health } = await results();
    expect(states).toEqual(['paused', 'listening']);
    expect(health).toEqual([]);
  });

  it('keeps the screen on while listening and takes the wake lock again when the page is shown', async () => {
    const { page, context } = await open(undefined);
    // The context's explicit permission list (microphone) leaves the wake lock at "ask", which
    // headless Chromium refuses; grant it as a user (or the site's settings) would.
    const cdp = await context.newCDPSession(page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.setPermission', { permission: { name: 'screen-wake-lock' }, setting: 'granted', origin: new URL(server.url).origin, browserContextId: targetInfo.browserContextId });
    await listen(page);
    const note = page.getByTestId('wake-lock');
    await page.waitForSelector('[data-testid=wake-lock][data-state=held]', { timeout: 10_000 });
    expect(await note.textContent()).toMatch(/kept on/);
    // The browser drops the lock when the page is hidden; then the page is shown again.
    await page.evaluate(() => (window as any).cryscope.detector.wakeLock.sentinel.release());
    await page.waitForSelector('[data-testid=wake-lock][data-state=released]');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.waitForSelector('[data-testid=wake-lock][data-state=held]', { timeout: 10_000 });
    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid=wake-lock][data-state=off]', { state: 'attached' }); // hidden when off
    expect(await note.isVisible()).toBe(false);
  });

  it('says the screen may sleep when the browser refuses the wake lock', async () => {
    const { page } = await open(undefined); // wake lock permission left at "ask": headless Chromium refuses
    await listen(page);
    await page.waitForSelector('[data-testid=wake-lock][data-state=refused]', { timeout: 10_000 });
    expect(await page.getByTestId('wake-lock').textContent()).toMatch(/screen may sleep/);
    expect(await page.getByTestId('warning').textContent()).toMatch(/wake lock refused/);
    expect(await page.getByTestId('status').getAttribute('data-state')).toBe('listening'); // still listening
  });

  it('says the screen may sleep where the browser has no Screen Wake Lock', async () => {
    const { page } = await open(undefined, { init: 'delete Navigator.prototype.wakeLock;' });
    await listen(page);
    await page.waitForSelector('[data-testid=wake-lock][data-state=unsupported]', { timeout: 10_000 });
    expect(await page.getByTestId('wake-lock').isVisible()).toBe(true);
    expect(await page.getByTestId('wake-lock').textContent()).toMatch(/cannot keep the screen on/);
  });
});
