#!/usr/bin/env node
// Micro-benchmark of ONNX Runtime Web (WASM backend, in Node — the same .wasm as the browser) on the
// shipped models: ms per YAMNet patch and per Wav2Vec2 window for session options, batch sizes,
// threads and the Wav2Vec2 precision. Prints; used to choose the package's defaults.
//   node web/bench/ort-options.mjs [--threads 1] [--reps 20] [--models DIR]
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const dir = resolve(arg('--models', join(root, 'models/build')));
const reps = Number(arg('--reps', '20'));
ort.env.wasm.numThreads = Number(arg('--threads', '1'));
ort.env.logLevel = 'error';
const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const only = arg('--only', '');

async function time(session, feeds, n) {
  for (let i = 0; i < 3; i++) await session.run(feeds); // warm-up
  const t = performance.now();
  for (let i = 0; i < reps; i++) await session.run(feeds);
  return (performance.now() - t) / reps / n;
}
const rnd = (n) => { const x = new Float32Array(n); for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.01) * 0.5 + (Math.random() - 0.5) * 0.1; return x; };
const variants = {

  'all': { graphOptimizationLevel: 'all' },

  'all+nomempattern': { graphOptimizationLevel: 'all', enableMemPattern: false },
};
for (const [name, file] of [['yamnet', m.models.yamnet.file], ['wav2vec2 int8', m.models.wav2vec2.file], ['wav2vec2 fp32', m.models.wav2vec2.fp32_file]]) {
  if (only && !name.startsWith(only)) continue;
  const bytes = readFileSync(join(dir, file));
  for (const [vn, opts] of Object.entries(variants)) {
    let t = performance.now();
    const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...opts });
    const loadMs = performance.now() - t;
    const row = [];
    for (const n of [1, 2, 4]) {
      const feeds = name === 'yamnet'
        ? { patches: new ort.Tensor('float32', rnd(n * 6144), [n, 96, 64]) }
        : { input_values: new ort.Tensor('float32', rnd(n * 32000), [n, 32000]) };
      row.push(`batch ${n}: ${(await time(s, feeds, n)).toFixed(2)} ms/item`);
    }
    console.log(`${name.padEnd(14)} ${vn.padEnd(17)} threads ${ort.env.wasm.numThreads} load ${loadMs.toFixed(0)} ms | ${row.join(' | ')}`);
    await s.release();
  }
}
