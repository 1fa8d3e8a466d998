// The same wasm/dist module in real Chromium, in the three places the web package loads it:
// a module Worker, an AudioWorklet (no fetch there: the .wasm bytes are passed as wasmBinary)
// and the page itself. Checks it loads, computes the same numbers as in Node, and that C++
// errors arrive as JS Errors with messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CryscopeCore } from '../../wasm/cryscope_core';
import { DIST, loadCore, tone } from './helpers';

const CHROMIUM = process.env.CRYSCOPE_CHROMIUM ?? '/usr/bin/chromium';

// A small workload whose results are compared with Node: log-mel of a tone + a Decider episode.
const PROBE = `
export async function probe(core) {
  const x = new Float32Array(16000);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 523 * i) / 16000);
  const lm = core.logMel(x);
  let sum = 0;
  for (const v of lm) sum += v;
  const r = new core.Resampler(48000);
  const y = r.process(new Float32Array(4800).fill(0.25));
  r.delete();
  const d = new core.Decider({ smoothing: { method: 'none' }, minDurationSeconds: 0 });
  const ev = d.update({ time: 1, yamnet: new Float32Array([0.9, 0.05, 0.05]), wav2vec2: null }).events;
  d.delete();
  let error = '';
  try { new core.Resampler(1234); } catch (e) { error = (e instanceof Error) + ':' + e.message; }
  return { version: core.version, frames: lm.length / 64, sum, resampled: y.length, onset: ev[0] && ev[0].type, error };
}`;

const WORKER = `
import createCore from './cryscope_core.mjs';
import { probe } from './probe.mjs';
createCore().then(probe).then((r) => postMessage(r), (e) => postMessage({ failed: String(e && e.message || e) }));
`;

const WORKLET = `
import createCore from './cryscope_core.mjs';
import { probe } from './probe.mjs';
class Probe extends AudioWorkletProcessor {
  constructor(options) {
    super();
    if (!options.processorOptions.wasm) {  // the misuse case: no bytes → a clear Error
      try {
        createCore().then(() => this.port.postMessage({ failed: 'loaded without wasmBinary?' }),
                          (e) => this.port.postMessage({ error: String(e && e.message) }));
      } catch (e) {
        this.port.postMessage({ error: (e instanceof Error) + ':' + e.message });
      }
      return;
    }
    createCore({ wasmBinary: options.processorOptions.wasm })
      .then(probe)
      .then((r) => this.port.postMessage(r), (e) => this.port.postMessage({ failed: String(e && e.message || e) }));
  }
  process() { return true; }
}
registerProcessor('cryscope-probe', Probe);
`;

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

const PAGE = `<!doctype html><meta charset="utf-8"><title>cryscope wasm probe</title>`;

let server: Server;
let base = '';
let browser: Browser;
let page: Page;
let node: Awaited<ReturnType<typeof nodeProbe>>;

async function nodeProbe(core: CryscopeCore) {
  const mod = await import('data:text/javascript,' + encodeURIComponent(PROBE));
  return mod.probe(core);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing (apt-get install chromium)`);
  const files: Record<string, [string, string | Buffer]> = {
    '/': ['text/html', PAGE],
    '/probe.mjs': ['text/javascript', PROBE],
    '/worker.mjs': ['text/javascript', WORKER],
    '/worklet.mjs': ['text/javascript', WORKLET],
    '/cryscope_core.mjs': ['text/javascript', readFileSync(join(DIST, 'cryscope_core.mjs'))],
    '/cryscope_core.wasm': ['application/wasm', readFileSync(join(DIST, 'cryscope_core.wasm'))],
  };
  server = createServer((req, res) => {
    const f = files[(req.url ?? '/').split('?')[0]];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    // The production CSP (demo page, server): the core must load without eval / new Function.
    res.writeHead(200, { 'content-type': f[0], 'content-security-policy': CSP }).end(f[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  page = await browser.newPage();
  await page.goto(base + '/');
  node = await nodeProbe(await loadCore());
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

function expectSameAsNode(r: any) {
  expect(r.failed).toBeUndefined();
  expect(r.version).toBe(node.version);
  expect(r.frames).toBe(node.frames);
  expect(r.frames).toBeGreaterThan(90);
  expect(Math.abs(r.sum - node.sum)).toBeLessThanOrEqual(1e-6 * Math.abs(node.sum));
  expect(r.resampled).toBe(node.resampled);
  expect(r.onset).toBe('onset');
  expect(r.error).toMatch(/^true:.*8000, 96000/);
}

describe('wasm/dist in Chromium', () => {
  it('loads in a module Worker (fetches the .wasm next to the module)', async () => {
    const r = await page.evaluate(() => new Promise((resolve) => {
      const w = new Worker('/worker.mjs', { type: 'module' });
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ failed: e.message });
    }));
    expectSameAsNode(r);
  });

  it('loads in an AudioWorklet from wasmBinary (no fetch in worklet scope)', async () => {
    const r = await page.evaluate(async () => {
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule('/worklet.mjs');
      const wasm = await (await fetch('/cryscope_core.wasm')).arrayBuffer();
      const node = new AudioWorkletNode(ctx, 'cryscope-probe', { processorOptions: { wasm } });
      const result = await new Promise((resolve) => { node.port.onmessage = (e) => resolve(e.data); });
      await ctx.close();
      return result;
    });
    expectSameAsNode(r);
  });

  it('explains the missing wasmBinary in an AudioWorklet', async () => {
    const r: any = await page.evaluate(async () => {
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule('/worklet.mjs');
      const node = new AudioWorkletNode(ctx, 'cryscope-probe', { processorOptions: {} });
      const result = await new Promise((resolve) => { node.port.onmessage = (e) => resolve(e.data); });
      await ctx.close();
      return result;
    });
    expect(r.error).toMatch(/^true:.*pass createCore\(\{ wasmBinary \}\)/);
  });

  it('loads on the page itself', async () => {
    // A string, not a function: Vitest would rewrite import() inside a function body.
    const r = await page.evaluate(`(async () => {
      const { default: createCore } = await import('/cryscope_core.mjs');
      const { probe } = await import('/probe.mjs');
      return probe(await createCore());
    })()`);
    expectSameAsNode(r);
  });
});
