// The demo page (web/dist/demo) served by the cryscope server itself, in real headless
// Chromium: our CSP/COOP/COEP headers must let it run (WASM, workers, cross-origin isolation)
// and it must find the backend through the generated local key. When the models are built,
// a fake microphone plays a real cry and its detections must reach storage via Temporal.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/src/config.js';
import { waitFor } from '../../server/src/devstack/ports.js';
import { Stack, TOKENS } from './helpers/stack.js';

const DEMO = join(REPO_ROOT, 'web', 'dist', 'demo');
const haveDemo = existsSync(join(DEMO, 'index.html'));
const haveModels = existsSync(join(DEMO, 'models', 'manifest.json'));
const SHARED = process.env.CRYSCOPE_SHARED || join(REPO_ROOT, '..', 'shared');
const CRY = join(SHARED, 'data', 'cry', 'belly_pain', 'donateacry__549a46d8-9c84-430e-ade8-97eae2bef787-1430130772174-1.7-m-48-bp__0.flac');

const VIEWER = 'viewer-demo-household-0123456789';
let stack: Stack;
let browser: Browser;

async function launch(wav?: string) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Chromium whose fake microphone plays CRY (after the sox `effects`), on the demo page, listening. */
async function listeningPage(name: string, effects: string[], beforeStart?: (page: Page) => Promise<void>) {
  const wav = join(stack.tmp, name);
  const sox = spawnSync('sox', [CRY, '-r', '48000', '-c', '1', '-b', '16', wav, ...effects]);
  expect(sox.status).toBe(0);
  const b = await launch(wav);
  opened.push(b);
  const context = await b.newContext({ permissions: ['microphone'] });
  const page = await context.newPage();
  await beforeStart?.(page);
  await listenOn(page);
  return page;
}

/** Opens the demo page served by the stack in `page` and starts listening (backend on). */
async function listenOn(page: Page) {
  const log: string[] = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(stack.api.url);
  await page.waitForFunction(() => /Backend: available/.test(document.getElementById('backend-status')?.textContent ?? ''), null, { timeout: 20_000 });
  await page.getByTestId('start').click();
  await page.waitForSelector('[data-testid=status][data-state=listening]', { timeout: 60_000 }).catch(async (err) => {
    const status = await page.getByTestId('status').textContent();
    const error = await page.getByTestId('error').textContent();
    throw new Error(`page did not start listening: status="${status}" error="${error}"\n${log.join('\n')}\n${err}`);
  });
}
const opened: Browser[] = [];

/**
 * One Chromium (default fake microphone), two contexts: the caregiver page with the viewer key,
 * live; then the nursery page listening (`beforeStart` runs on it first), shown as listening there.
 */
async function caregiverAndNursery(beforeStart?: (page: Page) => Promise<void>) {
  const b = await launch();
  opened.push(b);
  const caregiver = await (await b.newContext()).newPage();
  await caregiver.goto(`${stack.api.url}/monitor/#key=${VIEWER}`);
  await caregiver.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
  const nursery = await (await b.newContext({ permissions: ['microphone'] })).newPage();
  await beforeStart?.(nursery);
  await listenOn(nursery);
  await caregiver.waitForSelector('tr[data-device="device-b"] td[data-state=listening]', { timeout: 20_000 });
  return { caregiver, nursery };
}

describe.skipIf(!haveDemo)('demo page served by the cryscope server (Chromium)', () => {
  beforeAll(async () => {
    stack = await new Stack({ db: 'pglite', env: { CRYSCOPE_STATIC_DIR: DEMO, CRYSCOPE_DEMO_DEVICE: 'device-b', CRYSCOPE_VIEWER_KEYS: `device-b=${VIEWER}` } }).start();
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const b of opened) await b.close().catch(() => {});
    await stack?.stop();
  });

  it('loads under our CSP without violations, is cross-origin isolated and finds the backend', async () => {
    browser = await launch();
    const context = await browser.newContext({ permissions: ['microphone'] });
    const page = await context.newPage();
    const violations: string[] = [];
    const foreign: string[] = [];
    const origin = new URL(stack.api.url).origin;
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); });
    await page.goto(stack.api.url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForFunction(() => /Backend: available/.test(document.getElementById('backend-status')?.textContent ?? ''), null, { timeout: 20_000 });
    // The WASM core loads under 'wasm-unsafe-eval' (no 'unsafe-eval').
    // (A string, so Vitest does not rewrite the dynamic import.)
    const version = await page.evaluate(`(async () => {
      const mod = await import('./core/cryscope_core.mjs');
      const core = await mod.default();
      return String(core.version);
    })()`) as string;
    expect(version.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it.skipIf(!haveModels || !existsSync(CRY))('a cry played into the fake microphone reaches storage through Temporal', async () => {
    await listeningPage('cry.wav', ['repeat', '2']);
    const sessions = await waitFor('a stored session from the page', async () => {
      const r = await stack.get('/api/v1/sessions', TOKENS['device-b']);
      return r.body.sessions?.length && r.body.sessions[0].windows > 0 ? r.body.sessions : null;
    }, 90_000, 1000);
    expect(sessions[0].deviceId).toBe('device-b');
    const client = await stack.temporalClient();
    let n = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowType = 'ingestBatchWorkflow'` })) n++;
    expect(n).toBeGreaterThan(0);
  });

  // Issue #14: a nursery tab closed right after the cry appeared left no trace of it (results
  // went out every 5 s and nothing was sent on pagehide). Events now leave at once, and on
  // pagehide everything pending goes out with fetch keepalive. The caregiver page (/monitor/ with
  // the viewer key, in a second browser context, connected before the nursery starts) must alert it.
  it.skipIf(!haveModels || !existsSync(CRY))('a tab closed 1 s after the cry event appeared still leaves that cry in storage and alerted on the caregiver page', async () => {
    let caregiver: Page | undefined;
    const page = await listeningPage('cry-close.wav', ['pad', '1', '0', 'repeat', '2'], async (nursery) => {
      await nursery.addInitScript(() => {
        const w = window as unknown as { cryRowAt: number };
        new MutationObserver(() => { if (!w.cryRowAt && document.querySelector('[data-testid=event][data-label=cry]')) w.cryRowAt = Date.now(); })
          .observe(document, { childList: true, subtree: true });
      });
      const context = await nursery.context().browser()!.newContext();
      await context.addInitScript(() => {
        const w = window as unknown as { alertsAt: Record<string, number> };
        w.alertsAt = {};
        new MutationObserver((ms) => {
          for (const m of ms) for (const n of m.addedNodes) if (n instanceof HTMLElement && n.matches('#events li[data-type=onset]')) w.alertsAt[n.dataset.id!] = Date.now();
        }).observe(document, { childList: true, subtree: true });
      });
      caregiver = await context.newPage();
      await caregiver.goto(`${stack.api.url}/monitor/#key=${VIEWER}`);
      await caregiver.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
    });
    const row = page.locator('[data-testid=event][data-label=cry]').first();
    await row.waitFor({ timeout: 60_000 });
    const shownAt = Date.now();
    const start = Number(await row.getAttribute('data-start'));
    const sessionId = await page.evaluate(() => (window as unknown as { cryscope: { detector: { sessionId: string } } }).cryscope.detector.sessionId);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const rowAt = await page.evaluate(() => (window as unknown as { cryRowAt: number }).cryRowAt);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - shownAt))));
    await page.close(); // the tab is closed (pagehide runs; no beforeunload prompt)
    const closedAfterMs = Date.now() - shownAt;
    const events = await waitFor('the cry onset stored after the tab closed', async () => {
      const r = await stack.get(`/api/v1/sessions/${sessionId}/events`, TOKENS['device-b']);
      return r.status === 200 && r.body.events.some((e: { type: string; label: string }) => e.type === 'onset' && e.label === 'cry') ? r.body.events : null;
    }, 60_000, 500);
    const onset = events.find((e: { type: string; label: string }) => e.type === 'onset' && e.label === 'cry');
    console.log(`tab closed ${closedAfterMs} ms after the cry row appeared (start ${start} s); stored events: ${JSON.stringify(events.map((e: { type: string; label: string; start: number }) => `${e.type}:${e.label}@${e.start.toFixed(2)}`))}`);
    expect(closedAfterMs).toBeLessThan(2500); // well inside the 5 s batch interval
    expect(Math.abs(onset.start - start)).toBeLessThan(0.01);
    // The caregiver page shows it as an alert (with its Acknowledge button): same session, label and start.
    const alert = caregiver!.locator(`#events li.alert[data-type=onset][data-label=cry][data-session="${sessionId}"]`).first();
    await alert.waitFor({ timeout: 30_000 });
    expect(Math.abs(Number(await alert.getAttribute('data-start')) - start)).toBeLessThan(0.01);
    expect(await alert.getAttribute('data-device')).toBe('device-b');
    expect(await alert.getAttribute('data-acked')).toBe('false');
    expect(await alert.getByTestId('ack').isVisible()).toBe(true);
    expect(await alert.textContent()).toMatch(/cry started on device-b/);
    const alertedAt = await caregiver!.evaluate((id) => (window as unknown as { alertsAt: Record<string, number> }).alertsAt[id], (await alert.getAttribute('data-id'))!);
    console.log(`caregiver alert shown ${alertedAt - rowAt} ms after the nursery's cry row (not a timed assertion; see server/bench/alert-latency.mjs)`);
  });

  // Issue #14: the nursery page reports its state; the caregiver page shows paused (not offline,
  // even past the offline timeout: the paused page beats) and listening again after resume.
  it.skipIf(!haveModels)('pausing the nursery page shows "paused" on the caregiver page, past the offline timeout; resuming shows "listening"', async () => {
    const { caregiver, nursery } = await caregiverAndNursery();
    const cell = (state: string) => `tr[data-device="device-b"] td[data-state=${state}]`;
    await nursery.getByTestId('pause').click();
    await nursery.waitForSelector('[data-testid=reported-state][data-state=paused]', { timeout: 5_000 });
    const pausedAt = Date.now();
    await caregiver.waitForSelector(cell('paused'), { timeout: 10_000 });
    console.log(`caregiver page showed "paused" ${Date.now() - pausedAt} ms after the click`);
    // Past the default 15 s offline timeout: still paused (state beats every 5 s), never offline.
    const offline = caregiver.waitForSelector(cell('offline'), { timeout: 17_000 }).then(() => true, () => false);
    expect(await offline).toBe(false);
    expect(await caregiver.locator(cell('paused')).count()).toBe(1);
    await nursery.getByTestId('pause').click(); // Resume
    await caregiver.waitForSelector(cell('listening'), { timeout: 10_000 });
    await nursery.getByTestId('stop').click();
    await nursery.waitForSelector('[data-testid=status][data-state=stopped]');
    await nursery.close();
    await caregiver.close();
  });

  // Issue #14: stop() on the nursery page was shown as "offline" 15 s later (nothing was reported);
  // it is reported as "stopped" (through the outbox, sent at once) and the caregiver page shows it
  // at once and keeps it past the offline timeout, though the stopped page sends nothing more.
  it.skipIf(!haveModels)('stopping the nursery page shows "stopped" on the caregiver page at once, and still past the offline timeout', async () => {
    const { caregiver, nursery } = await caregiverAndNursery();
    const row = 'tr[data-device="device-b"]';
    const cell = (state: string) => `${row} td[data-state=${state}]`;
    const sessionId = await nursery.evaluate(() => (window as unknown as { cryscope: { detector: { sessionId: string } } }).cryscope.detector.sessionId);
    await nursery.getByTestId('stop').click();
    const stoppedAt = Date.now();
    await nursery.waitForSelector('[data-testid=status][data-state=stopped]');
    await nursery.waitForSelector('[data-testid=reported-state][data-state=stopped]', { timeout: 5_000 });
    await caregiver.waitForSelector(cell('stopped'), { timeout: 5_000 });
    console.log(`caregiver page showed "stopped" ${Date.now() - stoppedAt} ms after the click`);
    expect(await caregiver.locator(`${row} td`).nth(2).textContent()).toBe('stopped by the nursery device');
    // Past the default 15 s offline timeout: still stopped (the page sends nothing more), never offline.
    const offline = caregiver.waitForSelector(cell('offline'), { timeout: 17_000 }).then(() => true, () => false);
    expect(await offline).toBe(false);
    expect(await caregiver.locator(cell('stopped')).count()).toBe(1);
    // The stopped page's session really was silent for longer than the timeout (the device list's
    // lastBatchAt is not the measure here: pages of earlier tests in this file still listen as device-b).
    const session = (await stack.get(`/api/v1/sessions/${sessionId}`, TOKENS['device-b'])).body.session;
    expect(Date.now() - Date.parse(session.lastBatchAt)).toBeGreaterThan(15_000);
    await nursery.close();
    await caregiver.close();
  });

  // Issue #14: pairing instead of a configured key. The nursery page asks for a one-time code; the
  // caregiver page, in another browser context with no key at all, redeems it, keeps the key it
  // receives like a typed one, and follows that device live.
  it.skipIf(!haveModels)('pairing: the nursery page shows a code, the caregiver page redeems it and then sees that device listening', async () => {
    const b = await launch();
    opened.push(b);
    const nursery = await (await b.newContext({ permissions: ['microphone'] })).newPage();
    await listenOn(nursery);
    expect(await nursery.getByTestId('pair-result').isVisible()).toBe(false);
    await nursery.getByTestId('pair').click();
    await nursery.getByTestId('pair-result').waitFor({ state: 'visible', timeout: 10_000 });
    const code = (await nursery.getByTestId('pair-code').textContent())!;
    expect(code).toMatch(/^\d{4}-\d{4}$/);
    const expiresIn = Date.parse((await nursery.getByTestId('pair-expiry').getAttribute('data-expires-at'))!) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000); // the default 10 minutes
    expect(expiresIn).toBeLessThanOrEqual(600_000);
    expect(await nursery.getByTestId('pair-link').getAttribute('href')).toBe(`${stack.api.url}/monitor/`);

    const caregiver = await (await b.newContext()).newPage();
    await caregiver.goto(`${stack.api.url}/monitor/`);
    expect(await caregiver.getByTestId('conn').getAttribute('data-state')).toBe('idle'); // no key yet
    await caregiver.getByTestId('pair-code').fill(code);
    await caregiver.getByTestId('pair').click();
    await caregiver.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
    await caregiver.waitForSelector('tr[data-device="device-b"] td[data-state=listening]', { timeout: 20_000 });
    const key = await caregiver.evaluate(() => localStorage.getItem('cryscope.monitor.key'));
    expect(key).toMatch(/^cspv_[\w-]{43}$/);
    expect(await caregiver.locator('#devices tr').count()).toBe(1); // bound to the device that showed the code
    // Kept like a typed key: a reload connects again without the code.
    await caregiver.reload();
    await caregiver.waitForSelector('tr[data-device="device-b"] td[data-state=listening]', { timeout: 20_000 });
    // The code is used up.
    const again = await fetch(`${stack.api.url}/api/v1/pairing/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(again.status).toBe(404);
    // The nursery's stop reaches the paired caregiver as well.
    await nursery.getByTestId('stop').click();
    await caregiver.waitForSelector('tr[data-device="device-b"] td[data-state=stopped]', { timeout: 10_000 });
    await nursery.close();
    await caregiver.close();
  });

  // Issue #14: a microphone unplugged and not coming back shows degraded (with the reason) on the
  // caregiver page — not offline, though the nursery has no capture and so no results to send —
  // and listening once a restart succeeds.
  it.skipIf(!haveModels)('an unplugged microphone shows "degraded — microphone disconnected" on the caregiver page until it is back', async () => {
    // The test decides when the microphone can be opened again.
    const { caregiver, nursery } = await caregiverAndNursery((page) => page.addInitScript(() => {
      const w = window as unknown as { micBlocked: boolean };
      w.micBlocked = false;
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (c) => (w.micBlocked ? Promise.reject(new DOMException('unplugged (test)', 'NotFoundError')) : open(c));
    }));
    const row = 'tr[data-device="device-b"]';
    await nursery.evaluate(() => {
      (window as unknown as { micBlocked: boolean }).micBlocked = true;
      const t = (window as any).cryscope.detector.mediaStream.getAudioTracks()[0] as MediaStreamTrack;
      t.stop();
      t.dispatchEvent(new Event('ended')); // stop() from script does not fire 'ended'
    });
    await caregiver.waitForSelector(`${row} td[data-state=degraded]`, { timeout: 10_000 });
    expect(await caregiver.locator(row).textContent()).toMatch(/microphone disconnected/);
    // Past the 15 s offline timeout: the capture-less session's beats keep it degraded, not offline.
    const offline = caregiver.waitForSelector(`${row} td[data-state=offline]`, { timeout: 17_000 }).then(() => true, () => false);
    expect(await offline).toBe(false);
    expect(await caregiver.locator(`${row} td[data-state=degraded]`).count()).toBe(1);
    await nursery.evaluate(() => { (window as unknown as { micBlocked: boolean }).micBlocked = false; });
    // The next retry (backoff ≤ 30 s; at once on a click, as the page nudges on interaction) reopens it.
    await nursery.mouse.click(5, 5);
    await caregiver.waitForSelector(`${row} td[data-state=listening]`, { timeout: 40_000 });
    await nursery.getByTestId('stop').click();
    await nursery.close();
    await caregiver.close();
  });

  it.skipIf(!haveModels || !existsSync(CRY))('a cry detected while the backend is unreachable is stored from the outbox on the next visit', async () => {
    let blocked = 0;
    const page = await listeningPage('cry-offline.wav', ['pad', '1', '0', 'repeat', '2'], (p) =>
      p.route('**/api/v1/detections', (r) => { blocked++; return r.abort('internetdisconnected'); }));
    const row = page.locator('[data-testid=event][data-label=cry]').first();
    await row.waitFor({ timeout: 60_000 });
    const start = Number(await row.getAttribute('data-start'));
    const sessionId = await page.evaluate(() => (window as unknown as { cryscope: { detector: { sessionId: string } } }).cryscope.detector.sessionId);
    await page.waitForSelector('[data-testid=backend-status][data-state=retrying]', { timeout: 10_000 });
    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid=status][data-state=stopped]');
    const context = page.context();
    await page.close();
    expect(blocked).toBeGreaterThan(0);
    expect((await stack.get(`/api/v1/sessions/${sessionId}`, TOKENS['device-b'])).status).toBe(404); // nothing got through
    // Next visit, network back: the outbox (IndexedDB, same profile) goes out when listening starts.
    await listenOn(await context.newPage());
    const events = await waitFor('the offline cry stored from the outbox', async () => {
      const r = await stack.get(`/api/v1/sessions/${sessionId}/events`, TOKENS['device-b']);
      return r.status === 200 && r.body.events.some((e: { type: string; label: string }) => e.type === 'onset' && e.label === 'cry') ? r.body.events : null;
    }, 60_000, 500);
    const onset = events.find((e: { type: string; label: string }) => e.type === 'onset' && e.label === 'cry');
    expect(Math.abs(onset.start - start)).toBeLessThan(0.01);
  });
});

// Keep the file meaningful when the page is not built: say why nothing ran. In CI (CI=true)
// the full order builds web/dist before the server suite runs, so a missing page there is a
// broken build, not a reason to skip: fail instead.
it.skipIf(haveDemo)('demo page not built (web/dist/demo missing) — run scripts/web-setup.sh', () => {
  expect(readdirSync(REPO_ROOT)).toContain('web');
  if (process.env.CI === 'true') expect.fail(`CI=true but ${DEMO}/index.html is missing: scripts/web-setup.sh must run before the server tests`);
});
