#!/usr/bin/env node
// Runs the browser benchmark in headless Chromium and prints its figures (does not gate).
// Audio: held-out clips of the test split (models/splits/split.csv), copied into the ignored
// web/dist/bench/audio/ at run time. MediaPipe's wasm + YAMNet tflite are served locally.
//   node web/bench/run.mjs [--per-class N] [--seconds S] [--json OUT] [--query 'threads=2&skip=accuracy,latency']
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadavg, cpus } from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(process.env.CRYSCOPE_SHARED ?? join(root, '..', 'shared'));
const benchDir = join(root, 'web/dist/bench');
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const perClass = Number(arg('--per-class', '10'));
const seconds = Number(arg('--seconds', '60'));
// Extra page query for A/B runs, e.g. --query 'threads=2&skip=accuracy,latency' (see bench.ts).
const extraQuery = arg('--query', '');
if (!existsSync(join(benchDir, 'index.html'))) { console.error('bench: web/dist/bench missing — run scripts/web-setup.sh'); process.exit(1); }

// Deterministic choice: the first N test clips of each label by file name.
const split = readFileSync(join(root, 'models/splits/split.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
const h = split[0];
const test = split.slice(1).filter((r) => r[h.indexOf('split')] === 'test').map((r) => ({ file: r[h.indexOf('file')], label: r[h.indexOf('label')] }));
const chosen = ['cry', 'scream', 'normal'].flatMap((l) => test.filter((c) => c.label === l).sort((a, b) => a.file.localeCompare(b.file)).slice(0, perClass));
const audioDir = join(benchDir, 'audio');
rmSync(audioDir, { recursive: true, force: true });
mkdirSync(audioDir, { recursive: true });
const list = chosen.map((c, i) => {
  const name = `${String(i).padStart(3, '0')}-${c.label}.flac`;
  copyFileSync(join(shared, 'data', c.file), join(audioDir, name));
  return { file: name, label: c.label, source: c.file };
});
writeFileSync(join(audioDir, 'list.json'), JSON.stringify(list));

const server = spawn(process.execPath, [join(root, 'web/demo/serve.mjs'), '--root', benchDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((res, rej) => {
  let buf = '';
  server.stdout.on('data', (d) => { buf += d; const m = /listening on (http:\/\/\S+)/.exec(buf); if (m) res(m[1]); });
  server.on('exit', (c) => rej(new Error(`server exited ${c}`)));
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required', '--enable-blink-features=ForceEagerMeasureMemory'],
});
let code = 0;
try {
  const page = await browser.newPage();
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); });
  // A failed local load names its URL (the console line alone does not).
  page.on('response', (r) => { if (r.status() >= 400) console.log(`[bench:error] ${r.status()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'log') console.log(`[bench] ${m.text()}`); else if (m.type() === 'error') console.log(`[bench:error] ${m.text()}`); });
  // Shared 2-core machine: print the load so figures can be read in context.
  console.log(`[bench] machine: ${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} (before)`);
  await page.goto(`${url}?seconds=${seconds}${extraQuery ? `&${extraQuery}` : ''}`);
  await page.waitForFunction(() => globalThis.__bench?.done, undefined, { timeout: 540_000, polling: 1000 });
  const results = await page.evaluate(() => globalThis.__bench);
  console.log(`[bench] load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} (after)`);
  results.loadavg = loadavg();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = (await cdp.send('Performance.getMetrics')).metrics;
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
  results.mainThreadJsHeapBytes = heap;
  console.log(`[bench] main-thread JS heap (CDP, after destroy): ${(heap / 1048576).toFixed(1)} MiB`);
  console.log(`[bench] third-party requests: ${foreign.length ? foreign.join(', ') : 'none'}`);
  const outFile = arg('--json', join(root, 'test-results/bench/bench.json'));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ ...results, clips: list }, null, 1));
  console.log(`[bench] wrote ${outFile}`);
  if (results.error) code = 1;
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
process.exit(code);
