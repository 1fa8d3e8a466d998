#!/usr/bin/env node
// WASM benchmark: runs the native benchmark's workloads (core/bench/workloads.hpp — parsed from
// that file so the two never drift) on wasm/dist in Node, prints the per-second-of-audio cost of
// each stage, and divides by the native figures (build/native/core/bench/cryscope_bench, same
// workloads) to print the WASM/native ratio. Figures only — nothing here is a pass/fail gate.
//
// Usage: node wasm/bench/bench.mjs [--quick] [--native-json FILE] [--no-native]
//   --quick        shorter measurement (3 batches of 0.15 s per workload instead of 5 of 0.3 s)
//   --native-json  read native figures from FILE (Google Benchmark --benchmark_out JSON) instead of
//                  running the native binary
//   --native-out   also save one native run's JSON to FILE
//   --no-native    WASM figures only
// Env: CRYSCOPE_NATIVE_BENCH = path of the native cryscope_bench binary.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const batches = quick ? 3 : 5;           // measurement batches per workload (best one reported)
const batchSeconds = quick ? 0.15 : 0.3;  // s of repeated iterations per batch
// Native --benchmark_min_time per run. Not shorter: with ~0.15 s Google Benchmark may time a
// single cold first iteration of the first workload (observed 20× slower than steady state).
const nativeMinTime = quick ? 0.5 : 1.0;

// --- workloads, parsed from the native definition -----------------------------------------
function parseWorkloads() {
  const src = readFileSync(join(ROOT, 'core/bench/workloads.hpp'), 'utf8');
  const re = /\{\s*"([a-z0-9_]+)"\s*,\s*Stage::(\w+)\s*,\s*(\d+)\s*,\s*([\d.]+)\s*,\s*(\d+)\s*\}/g;
  const list = [];
  for (const m of src.matchAll(re)) {
    list.push({ name: m[1], stage: m[2], inputRate: +m[3], audioSeconds: +m[4], chunk: +m[5] });
  }
  if (list.length === 0) throw new Error('no workloads parsed from core/bench/workloads.hpp (format changed?)');
  return list;
}

// Same xorshift32 signal as cryscope_bench::workload_signal.
function workloadSignal(n, seed = 1) {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    x[i] = 0.5 * ((s / 4294967295) * 2 - 1);
  }
  return x;
}

// --- one iteration of each stage, through the public JS API --------------------------------
function makeRunner(core, w, { zeroCopy = false } = {}) {
  const n = Math.round(w.audioSeconds * w.inputRate);
  const x = workloadSignal(n);
  const chunk = w.chunk || n;
  switch (w.stage) {
    case 'Resample':
      return () => {
        const r = new core.Resampler(w.inputRate);
        let total = 0;
        for (let p = 0; p < n; p += chunk) {
          const piece = x.subarray(p, p + chunk);
          if (zeroCopy) {
            r.inputBuffer(piece.length).set(piece);
            total += r.processInput(piece.length).length;
          } else {
            total += r.process(piece).length;
          }
        }
        total += r.flush().length;
        r.delete();
        return total;
      };
    case 'LogMel':
      return () => core.logMel(x).length;
    case 'Normalize':
      return () => {
        let total = 0;
        for (let p = 0; p + chunk <= n; p += chunk) total += core.normalizeWav2Vec2(x.subarray(p, p + chunk)).length;
        return total;
      };
    case 'StreamFrontEnd':
      return () => {
        const fe = new core.StreamFrontEnd({ inputSampleRate: w.inputRate });
        let windows = 0;
        for (let p = 0; p < n; p += chunk) {
          const piece = x.subarray(p, p + chunk);
          if (zeroCopy) {
            fe.inputBuffer(piece.length).set(piece);
            fe.pushInput(piece.length);
          } else {
            fe.push(piece);
          }
          for (let win = fe.pop(); win; win = fe.pop()) windows++;
        }
        fe.delete();
        return windows;
      };
    default:
      return undefined;  // a stage this script does not know yet: reported as skipped
  }
}

// Best of `batches` batch means (each batch ≥ batchSeconds of repeated iterations), in CPU time
// of this process (process.cpuUsage). Why CPU time and best-of: the machine is shared, and being
// descheduled or slowed by neighbours only ever adds wall time. The native side is measured the
// same way (Google Benchmark's cpu_time, best of several runs). Caveat: Node's CPU time includes
// V8's background GC/compiler threads, which slightly favours native.
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function measure(run, audioSeconds) {
  run();  // warm-up (JIT, heap growth)
  let best = Infinity;
  let sink = 0;
  let iterations = 0;
  for (let b = 0; b < batches; b++) {
    let iters = 0;
    let elapsed = 0;
    const t0 = cpuSeconds();
    do {
      sink += run();
      iters++;
      elapsed = cpuSeconds() - t0;
    } while (elapsed < batchSeconds);
    iterations += iters;
    best = Math.min(best, elapsed / iters);
  }
  if (sink < 0) console.log(sink);  // keep results observable
  return { ns_per_audio_second: (best * 1e9) / audioSeconds, realtime_factor: best / audioSeconds,
           audio_seconds: audioSeconds, iterations };
}

// Native figures: Google Benchmark's own JSON (--benchmark_out), cpu_time per iteration divided
// by the workload's audio seconds; best of `batches` runs of the binary.
function nativeFigures(workloads) {
  if (args.includes('--no-native')) return null;
  const i = args.indexOf('--native-json');
  const runs = [];
  if (i >= 0) {
    runs.push(readFileSync(args[i + 1], 'utf8'));
  } else {
    const bin = process.env.CRYSCOPE_NATIVE_BENCH ?? join(ROOT, 'build/native/core/bench/cryscope_bench');
    if (!existsSync(bin)) {
      console.log(`(native benchmark ${bin} not built — run scripts/core-setup.sh; printing WASM figures only)`);
      return null;
    }
    console.log(`running native ${bin} (best of ${batches} runs) …`);
    const out = join(tmpdir(), `cryscope-native-bench-${process.pid}.json`);
    for (let b = 0; b < batches; b++) {
      execFileSync(bin, [`--benchmark_min_time=${nativeMinTime}`, `--benchmark_out=${out}`, '--benchmark_out_format=json'],
                   { stdio: 'ignore' });
      runs.push(readFileSync(out, 'utf8'));
    }
    rmSync(out, { force: true });
    const o = args.indexOf('--native-out');
    if (o >= 0) writeFileSync(args[o + 1], runs[0]);
  }
  const unitNs = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
  const best = {};
  for (const text of runs) {
    for (const b of JSON.parse(text).benchmarks) {
      if (b.run_type && b.run_type !== 'iteration') continue;
      const w = workloads.find((x) => x.name === b.name);
      if (!w) continue;
      const ns = (b.cpu_time * unitNs[b.time_unit]) / w.audioSeconds;
      if (!best[b.name] || ns < best[b.name].ns_per_audio_second) {
        best[b.name] = { ns_per_audio_second: ns, realtime_factor: ns / 1e9, audio_seconds: w.audioSeconds };
      }
    }
  }
  return best;
}

const dist = process.env.CRYSCOPE_WASM_DIST ?? join(ROOT, 'wasm/dist');
const { default: createCore } = await import(join(dist, 'cryscope_core.mjs'));
const core = await createCore();
const workloads = parseWorkloads();
const native = nativeFigures(workloads);

const wasm = {};
const rows = [];
for (const w of workloads) {
  for (const zeroCopy of [false, true]) {
    if (zeroCopy && !['Resample', 'StreamFrontEnd'].includes(w.stage)) continue;
    const run = makeRunner(core, w, { zeroCopy });
    const label = zeroCopy ? `${w.name} (zero-copy)` : w.name;
    if (!run) {
      rows.push({ label, skipped: true });
      continue;
    }
    const m = measure(run, w.audioSeconds);
    if (!zeroCopy) wasm[w.name] = m;
    const nat = native?.[w.name];
    rows.push({ label, m, nat, ratio: nat ? m.ns_per_audio_second / nat.ns_per_audio_second : undefined });
  }
}

// Decision logic is not a front-end stage (no native twin); report its per-update cost.
{
  const d = new core.Decider({ smoothing: { method: 'ema', alpha: 0.5 } });
  const y = new Float32Array([0.7, 0.2, 0.1]);
  const v = new Float32Array([0.6, 0.3, 0.1]);
  let t = 0;
  const updates = 20000;
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t0 = cpuSeconds();
    for (let i = 0; i < updates; i++) d.update({ time: (t += 0.5), yamnet: y, wav2vec2: v });
    best = Math.min(best, cpuSeconds() - t0);
  }
  const nsPerUpdate = (best * 1e9) / updates;
  d.delete();
  wasm.decider_update = { ns_per_update: nsPerUpdate };
  rows.push({ label: 'decider_update (per update, 2/s)', perUpdate: nsPerUpdate });
}

const pad = (s, n) => String(s).padEnd(n);
const num = (v, d = 0) => (v === undefined ? '—' : v.toFixed(d)).padStart(14);
console.log(`\ncryscope WASM benchmark (Node ${process.version}, emscripten build ${core.version}, ${quick ? 'quick' : 'full'})`);
console.log(`${pad('workload', 36)}${'wasm ns/aud-s'.padStart(14)}${'× realtime'.padStart(14)}${'native ns/s'.padStart(14)}${'wasm/native'.padStart(14)}`);
for (const r of rows) {
  if (r.skipped) console.log(`${pad(r.label, 36)}  (stage not supported by this script)`);
  else if (r.perUpdate !== undefined) console.log(`${pad(r.label, 36)}${num(r.perUpdate)}  ns per update`);
  else console.log(`${pad(r.label, 36)}${num(r.m.ns_per_audio_second)}${num(1 / r.m.realtime_factor)}${num(r.nat?.ns_per_audio_second)}${num(r.ratio, 2)}`);
}
console.log(`BENCH_JSON ${JSON.stringify({ suite: 'wasm', workloads: wasm })}`);
