#!/usr/bin/env node
// Builds web/dist: the package bundles (esbuild), type declarations (tsc), the runtime files
// (WASM core from wasm/dist, ONNX Runtime's WASM, models from models/build), the demo page and
// the benchmark page. Artefacts are copied, never committed (web/dist is git-ignored).
//   node web/scripts/build.mjs [--allow-missing]   (missing core/models only warn)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(web, '..');
const dist = join(web, 'dist');
const allowMissing = process.argv.includes('--allow-missing');
const require = createRequire(join(web, 'package.json'));
const shared = process.env.CRYSCOPE_SHARED ?? resolve(root, '..', 'shared');

function need(path, what) {
  if (existsSync(path)) return true;
  const msg = `${what} missing: ${path}`;
  if (!allowMissing) { console.error(`web build: ${msg} (run the wasm/models setup first)`); process.exit(1); }
  console.warn(`web build: warning: ${msg}`);
  return false;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = { bundle: true, format: 'esm', sourcemap: true, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
const browser = { ...common, platform: 'browser', conditions: ['onnxruntime-web-use-extern-wasm'] };

await Promise.all([
  build({ ...browser, entryPoints: { index: join(web, 'src/index.ts') }, outdir: dist }),
  build({ ...browser, entryPoints: { worker: join(web, 'src/worker.ts') }, outdir: dist, minify: true }),
  build({ ...browser, entryPoints: { worklet: join(web, 'src/worklet.ts') }, outdir: dist }),
  build({ ...browser, entryPoints: { protocol: join(web, 'src/protocol/index.ts') }, outdir: dist }),
  build({ ...common, platform: 'node', entryPoints: { node: join(web, 'src/node/index.ts'), cli: join(web, 'src/cli/main.ts') }, outdir: dist, external: ['onnxruntime-web', '@wasm-audio-decoders/flac'], splitting: true, chunkNames: 'chunks/[name]-[hash]' }),
]);

// Type declarations for "types" in package.json. web/src/core.ts takes the WASM core's types from
// wasm/cryscope_core.d.ts, which ships as dist/core/cryscope_core.d.ts (copied below with the
// module): point the emitted declarations there.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' });
{
  const types = join(dist, 'types');
  const srcWasm = join(web, '..', 'wasm', 'cryscope_core.js');
  let rewritten = 0;
  for (const f of readdirSync(types, { recursive: true })) {
    if (!String(f).endsWith('.d.ts')) continue;
    const file = join(types, String(f));
    const text = readFileSync(file, 'utf8');
    // The path as written from the source file's folder (web/src/...), re-pointed from the emitted file's.
    const fromSrc = relative(dirname(join(web, 'src', String(f))), srcWasm).split(sep).join('/');
    if (!text.includes(fromSrc)) continue;
    let to = relative(dirname(file), join(dist, 'core', 'cryscope_core.js')).split(sep).join('/');
    if (!to.startsWith('.')) to = `./${to}`;
    writeFileSync(file, text.replaceAll(fromSrc, to));
    rewritten++;
  }
  if (!rewritten) { console.error('web build: no declaration imports wasm/cryscope_core.d.ts any more; update this step'); process.exit(1); }
}

// Runtime files next to index.js (see src/assets.ts).
function copyRuntime(to) {
  mkdirSync(join(to, 'core'), { recursive: true });
  mkdirSync(join(to, 'ort'), { recursive: true });
  mkdirSync(join(to, 'models'), { recursive: true });
  // CRYSCOPE_WASM_DIST: use another build of the core (e.g. a local experiment) instead of wasm/dist.
  const core = resolve(process.env.CRYSCOPE_WASM_DIST ?? join(root, 'wasm/dist'));
  for (const f of ['cryscope_core.mjs', 'cryscope_core.wasm', 'cryscope_core.d.ts']) if (need(join(core, f), 'WASM core')) copyFileSync(join(core, f), join(to, 'core', f));
  const ortDir = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  for (const f of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) copyFileSync(join(ortDir, f), join(to, 'ort', f));
  const models = join(root, 'models/build');
  if (need(join(models, 'manifest.json'), 'models')) {
    const m = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
    const files = ['manifest.json', m.audioset_labels_file, m.models?.yamnet?.file, m.models?.wav2vec2?.file].filter(Boolean);
    for (const f of files) if (need(join(models, f), `model file ${f}`)) copyFileSync(join(models, f), join(to, 'models', f));
  }
}
copyRuntime(dist);

// Demo page: its own bundle + runtime so web/dist/demo/ is a self-contained static site.
const demoOut = join(dist, 'demo');
mkdirSync(demoOut, { recursive: true });
// esbuild strips types without checking them: type-check the demo against the package's sources first
// (web/demo/tsconfig.json, no output), so the page cannot drift from the API it demonstrates.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(web, 'demo', 'tsconfig.json')], { stdio: 'inherit' });
await build({ ...browser, entryPoints: { demo: join(web, 'demo/demo.ts') }, outdir: demoOut, minify: true });
for (const f of ['index.html', 'style.css']) copyFileSync(join(web, 'demo', f), join(demoOut, f));
for (const f of ['worker.js', 'worker.js.map', 'worklet.js']) copyFileSync(join(dist, f), join(demoOut, f));
for (const d of ['core', 'ort', 'models']) cpSync(join(dist, d), join(demoOut, d), { recursive: true });

// Benchmark page: cryscope + MediaPipe, everything served locally.
if (existsSync(join(web, 'bench/bench.ts'))) {
  const benchOut = join(dist, 'bench');
  mkdirSync(benchOut, { recursive: true });
  await build({ ...browser, entryPoints: { bench: join(web, 'bench/bench.ts') }, outdir: benchOut });
  copyFileSync(join(web, 'bench/index.html'), join(benchOut, 'index.html'));
  for (const f of ['worker.js', 'worklet.js']) copyFileSync(join(dist, f), join(benchOut, f));
  for (const d of ['core', 'ort', 'models']) cpSync(join(dist, d), join(benchOut, d), { recursive: true });
  try {
    const mp = dirname(require.resolve('@mediapipe/tasks-audio'));
    cpSync(join(mp, 'wasm'), join(benchOut, 'mediapipe'), { recursive: true });
  } catch { console.warn('web build: @mediapipe/tasks-audio not installed; benchmark will skip MediaPipe'); }
  const tfl = join(shared, 'weights/yamnet/yamnet_mediapipe.tflite');
  if (existsSync(tfl)) copyFileSync(tfl, join(benchOut, 'yamnet_mediapipe.tflite'));
}
writeFileSync(join(dist, 'BUILD_INFO.json'), JSON.stringify({ builtAt: new Date().toISOString() }, null, 1));
console.log(`web build: ${dist}`);
