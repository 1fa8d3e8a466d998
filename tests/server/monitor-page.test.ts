// The caregiver page /monitor in real headless Chromium against the real stack (Temporal +
// PGlite): it runs under our CSP with no third-party request, connects with the viewer key
// (kept in localStorage), shows the device, raises the alerts the caregiver opted into when a
// cry onset is posted through the API, and the acknowledge button marks the alert.
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBatch } from './helpers/batches.js';
import { Stack } from './helpers/stack.js';

const VIEWER = 'viewer-page-household-0123456789';
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // Assigned before start(), so afterAll stops what did start even if start() fails.
  stack = new Stack({ db: 'pglite', env: { CRYSCOPE_VIEWER_KEYS: `device-a=${VIEWER}` } });
  await stack.start();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await stack?.stop();
});

/** Records what the page asks of Notification and navigator.vibrate (the real ones do nothing visible headless). */
const RECORD_ALERTS = () => {
  const w = window as any;
  w.__notified = [];
  w.__vibrated = [];
  class FakeNotification { static permission = 'granted'; static requestPermission = async () => 'granted'; constructor(title: string, o: any) { w.__notified.push(`${title}: ${o.body}`); } }
  w.Notification = FakeNotification;
  navigator.vibrate = (p: any) => { w.__vibrated.push(p); return true; };
};

describe('caregiver page /monitor (Chromium)', () => {
  let page: Page;
  const violations: string[] = [];
  const foreign: string[] = [];
  const errors: string[] = [];

  it('connects with the viewer key and lists the household device', async () => {
    const context = await browser.newContext();
    await context.addInitScript(RECORD_ALERTS);
    page = await context.newPage();
    const origin = new URL(stack.api.url).origin;
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (!r.url().startsWith(origin)) foreign.push(r.url()); });
    await page.goto(`${stack.api.url}/monitor`);
    expect(page.url()).toBe(`${stack.api.url}/monitor/`);
    await page.getByTestId('key').fill(VIEWER);
    await page.getByTestId('connect').click();
    await page.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
    await page.waitForSelector('tr[data-device="device-a"] td[data-state=offline]');
    expect(await page.evaluate(() => localStorage.getItem('cryscope.monitor.key'))).toBe(VIEWER);
  });

  it('a cry onset posted through the API appears as an alert with the opted-in sound, notification and vibration; acknowledge marks it', async () => {
    for (const id of ['alert-sound', 'alert-notify', 'alert-vibrate']) await page.getByTestId(id).check();
    const batch = makeBatch({ sessionId: 'nursery' });
    await stack.postUntilAccepted(batch);
    const onset = page.locator('#events li[data-type=onset]');
    await onset.waitFor({ timeout: 20_000 });
    await page.locator('#events li[data-type=offset]').waitFor({ timeout: 20_000 });
    expect(await onset.getAttribute('data-acked')).toBe('false');
    expect(await onset.textContent()).toMatch(/cry started on device-a/);
    expect(await page.evaluate(() => (window as any).__notified)).toEqual([expect.stringMatching(/^cryscope: cry on device-a at /)]);
    expect(await page.evaluate(() => (window as any).__vibrated)).toHaveLength(1);
    // The device turned listening on the same stream (its batch just arrived).
    await page.waitForSelector('tr[data-device="device-a"] td[data-state=listening]', { timeout: 10_000 });
    await onset.getByTestId('ack').click();
    expect(await onset.getAttribute('data-acked')).toBe('true');
    expect(await onset.getByTestId('ack').count()).toBe(0);
  });

  it('after a reload the saved key reconnects by itself; a wrong key is refused with the reason', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
    await page.getByTestId('key').fill('not-the-viewer-key-0123456789');
    await page.getByTestId('connect').click();
    await page.waitForSelector('[data-testid=conn][data-state=error]', { timeout: 20_000 });
    expect(await page.getByTestId('conn').textContent()).toMatch(/refused this key \(401\)/);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a link /monitor/#key=<viewer key> (what the demo prints) stores the key, drops it from the address bar and connects', async () => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    const sent: string[] = [];
    fresh.on('request', (r) => sent.push(r.url()));
    await fresh.goto(`${stack.api.url}/monitor/#key=${VIEWER}`);
    await fresh.waitForSelector('[data-testid=conn][data-state=live]', { timeout: 20_000 });
    expect(fresh.url()).toBe(`${stack.api.url}/monitor/`);
    expect(await fresh.evaluate(() => localStorage.getItem('cryscope.monitor.key'))).toBe(VIEWER);
    // The fragment never reaches the server: no requested URL carries the key.
    expect(sent.filter((u) => u.includes(VIEWER))).toEqual([]);
    await context.close();
  });
});
