// The packed npm tarball (with the WASM core, ORT's WASM and the models inside) installed into a
// brand-new Vite app OFFLINE (npm cache only), built with zero Vite configuration, served with
// CSP 'self' + COOP/COEP, and run in Chromium with a fake microphone playing a real cry.
// The app gets a lockfile derived from the repo's (app-lockfile.ts says why): `npm ci --offline` then
// needs only the tarballs that the root `npm ci` cached, which holds on a fresh machine (empty ~/.npm).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appLockfile } from './app-lockfile.js';
import { launch, longestClip, RESULTS, ROOT, serve, TMP, toWav, watch, type Served } from './helpers.js';

let server: Served | undefined;
afterAll(() => server?.close());

describe('fresh Vite app with the packed cryscope tarball', () => {
  it('installs offline, builds with zero config, and detects a cry in Chromium', async () => {
    const packDir = join(TMP, 'pack');
    mkdirSync(packDir, { recursive: true });
    // dist/ was built by scripts/web-setup.sh (models + core included); pack it as published.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: join(ROOT, 'web'), stdio: 'pipe' });
    const tgz = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    const listing = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' });
    for (const f of ['package/dist/index.js', 'package/dist/worker.js', 'package/dist/core/cryscope_core.wasm', 'package/dist/ort/ort-wasm-simd-threaded.wasm', 'package/dist/models/manifest.json', 'package/dist/models/yamnet.int8.onnx', 'package/dist/models/wav2vec2.int8.onnx', 'package/dist/types/index.d.ts', 'package/dist/core/cryscope_core.d.ts', 'package/bin/cryscope.mjs']) {
      expect(listing).toContain(f);
    }
    expect(listing).not.toMatch(/\.flac|\.tflite|dist\/demo\//);

    const app = join(TMP, 'vite-app');
    mkdirSync(join(app, 'src'), { recursive: true });
    const { lock, dependencies } = appLockfile(ROOT, tgz, 'fresh-app');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '0.0.0', private: true, type: 'module', dependencies }, null, 1));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 1));
    writeFileSync(join(app, 'index.html'), `<!doctype html><html><body><button id="start">Start</button><ul id="log"></ul><script type="module" src="/src/main.ts"></script></body></html>`);
    writeFileSync(join(app, 'src/main.ts'), `
import { CryDetector, type DetectionEvent } from 'cryscope';
const log = document.getElementById('log')!;
document.getElementById('start')!.addEventListener('click', async () => {
  try {
    const detector = await CryDetector.create();
    detector.on('event', (e: DetectionEvent) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'event');
      li.dataset.label = e.label;
      li.dataset.start = String(e.start);
      li.textContent = e.type + ' ' + e.label + ' at ' + e.start.toFixed(1) + ' s';
      log.append(li);
    });
    detector.on('window', (w) => { document.body.dataset.time = String(w.end); });
    await detector.start();
    document.body.dataset.state = 'listening';
  } catch (e) {
    document.body.dataset.error = String(e);
  }
});
`);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [] }, include: ['src'] }));
    execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });
    // The shipped types check under strict TypeScript (the app's own tsconfig, no extra setup).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { stdio: 'pipe' });
    // Vite from the repo's devDependencies (the app itself only depends on cryscope); zero config.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'pipe' });
    const built = readdirSync(join(app, 'dist/assets'));
    console.log(`vite build assets: ${built.join(', ')}`);
    // both deployed models are emitted as assets (so the app works offline from its own origin)
    expect(built.filter((f) => f.endsWith('.onnx')).length).toBeGreaterThanOrEqual(2);
    expect(built.some((f) => /^ort-wasm-simd-threaded.*\.wasm$/.test(f))).toBe(true);

    server = await serve(join(app, 'dist'));
    const clip = longestClip('cry');
    const wav = toWav(clip.path, 'vite-cry.wav', { rate: 48000, pre: 1, post: 3 });
    const browser = await launch({ wav });
    try {
      const context = await browser.newContext({ permissions: ['microphone'] });
      const w = watch(context, new URL(server.url).origin);
      const page = await context.newPage();
      await page.goto(server.url);
      await page.click('#start');
      await page.waitForFunction(() => document.body.dataset.state === 'listening' || document.body.dataset.error, undefined, { timeout: 90_000 });
      expect(await page.evaluate(() => document.body.dataset.error ?? null)).toBeNull();
      await page.locator('[data-testid=event][data-label=cry]').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(RESULTS, 'vite-app-cry.png') });
      expect(w.foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('works from a plain <script type="module"> with no bundler', async () => {
    const site = join(TMP, 'plain-site');
    mkdirSync(site, { recursive: true });
    symlinkSync(join(ROOT, 'web/dist'), join(site, 'cryscope'));
    copyFileSync(toWav(longestClip('scream').path, 'plain-scream.wav', { rate: 44100 }), join(site, 'clip.wav'));
    // The module lives in its own file: the CSP ('self', no inline scripts) is the production one.
    writeFileSync(join(site, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>');
    writeFileSync(join(site, 'main.js'), `import { CryDetector } from './cryscope/index.js';
try {
  const detector = await CryDetector.create();
  const buf = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(await (await fetch('clip.wav')).arrayBuffer());
  const r = await detector.classify(buf.getChannelData(0), buf.sampleRate);
  document.body.dataset.label = r.file.label;
  document.body.dataset.windows = String(r.windows.length);
} catch (e) { document.body.dataset.error = String(e); }
`);
    const plain = await serve(site);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(plain.url);
      await page.waitForFunction(() => document.body.dataset.label || document.body.dataset.error, undefined, { timeout: 90_000 });
      expect(await page.evaluate(() => document.body.dataset.error ?? null)).toBeNull();
      expect(await page.evaluate(() => document.body.dataset.label)).toBe('scream');
      expect(Number(await page.evaluate(() => document.body.dataset.windows))).toBeGreaterThan(3);
    } finally {
      await browser.close();
      plain.close();
    }
  });
});
