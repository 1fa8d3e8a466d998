// The Worker: loads the WASM core and ONNX Runtime Web (WASM backend, threads + SIMD when the
// page is cross-origin isolated), downloads/verifies/caches the models, and runs the pipeline on
// live audio (from the worklet) and on clips. The main thread only receives small result messages.
import * as ort from 'onnxruntime-web/wasm';
import type { AssetUrls } from './assets.js';
import type { CreateCore, CryscopeCore } from './core.js';
import { Engine, modelFile } from './engine.js';
import type { ModelName } from './labels.js';
import { checkManifest, parseClassMap, type Manifest } from './manifest.js';
import type { FromWorker, StageStats, ToWorker } from './messages.js';
import { fetchAsset, ModelDownloadError } from './models/fetch.js';
import { wav2vec2Fn } from './models/onnx.js';
import { serveModel, startRemoteModel, type FromModelWorker, type RemoteModel, type ToModelWorker } from './models/remote.js';
import type { ResolvedOptions } from './options.js';
import { checkClip, classifyClip, type FramePipeline, type PipelineEvent } from './pipeline.js';
import { SampleRing } from './ring.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let engine: Engine | null = null;
/** Wav2Vec2 running in a second Worker (options.parallelModels), if started. */
let remote: RemoteModel | null = null;
let ready: Promise<void> | null = null;
let live: { pipeline: FramePipeline; dispose: () => void; sampleRate: number; ring?: SampleRing; port?: MessagePort; paused: boolean; stopped: boolean } | null = null;
let queue: Float32Array[] = [];
let pumping = false;
const stats: StageStats = emptyStats();

function emptyStats(): StageStats {
  return { frontEndMs: 0, yamnetMs: 0, wav2vec2Ms: 0, deciderMs: 0, yamnetWindows: 0, wav2vec2Windows: 0, decisions: 0, audioSeconds: 0, droppedSamples: 0 };
}

/** ONNX Runtime's WASM from our origin (never a CDN), SIMD on, quiet; the same in both worker roles. */
function configureOrt(mjs: string, wasm: string, threads: number): void {
  ort.env.wasm.wasmPaths = { mjs, wasm } as unknown as string;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
}

const createSession = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

async function init(options: ResolvedOptions, assets: AssetUrls): Promise<void> {
  const t0 = performance.now();
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  // Default like ORT's own heuristic: half the cores (max 4), leaving room for audio and the page.
  // Measured on the 2-core build machine (web/bench/run.mjs --query threads=N, load average ~3):
  // 2 ORT threads made the whole pipeline slower (RTF 0.119 vs 0.067 with 1): the per-hop batches
  // are too small to split well and the second core is busy with audio, the page and other work.
  const threads = isolated ? (options.threads ?? Math.max(1, Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2)))) : 1;
  configureOrt(assets.ortMjs, assets.ortWasm, threads);

  let core: CryscopeCore;
  try {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ assets.coreMjs)) as { default: CreateCore };
    core = await mod.default({ locateFile: (p: string) => (p.endsWith('.wasm') ? assets.coreWasm : p) });
    post({ type: 'progress', progress: { asset: 'core', loaded: 1, total: 1, done: true } });
  } catch (e) {
    throw Object.assign(new Error(`could not load the WASM core: ${e instanceof Error ? e.message : e}`), { code: 'core-load' });
  }

  const base = options.modelBaseUrl;
  const manifestUrl = options.modelUrls.manifest ?? (base ? new URL('manifest.json', new URL(base, self.location.href)).href : assets.models['manifest.json']);
  const fileUrl = (file: string) => (base ? new URL(file, new URL(base, self.location.href)).href : (assets.models[file] ?? new URL(file, manifestUrl).href));
  const progress = (p: FromWorker & { type: 'progress' }) => post(p);
  let manifest: Manifest;
  try {
    const bytes = await fetchAsset(manifestUrl, 'manifest', { cache: options.cacheModels, onProgress: (p) => progress({ type: 'progress', progress: p }) });
    manifest = checkManifest(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (e) {
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { code: 'model-download' });
  }

  const sessions: Partial<Record<ModelName, ort.InferenceSession>> = {};
  const failed: { model: ModelName; message: string }[] = [];
  const parallel = options.parallelModels && options.models.length === 2;
  for (const m of options.models) {
    try {
      const { file, sha256 } = modelFile(manifest, m, options.wav2vec2Precision);
      const url = m === 'yamnet' ? options.modelUrls.yamnet ?? fileUrl(file) : options.modelUrls.wav2vec2 ?? fileUrl(file);
      const check = options.verifySha256 ? sha256 : undefined;
      if (m === 'wav2vec2' && parallel) {
        try {
          remote = await startRemoteModel(new Worker(assets.worker, { type: 'module' }),
            { type: 'init-model', ortMjs: assets.ortMjs, ortWasm: assets.ortWasm, url, sha256: check, cache: options.cacheModels, asset: m },
            (p) => progress({ type: 'progress', progress: p }));
          continue;
        } catch (e) {
          remote?.terminate();
          remote = null;
          // A download or checksum failure would fail here too; anything else (no nested Workers, ...)
          // only costs the parallelism.
          if (e instanceof ModelDownloadError) throw e;
          post({ type: 'warning', message: `Wav2Vec2 runs in the pipeline worker (its own worker failed: ${e instanceof Error ? e.message : e})` });
        }
      }
      const bytes = await fetchAsset(url, m, { sha256: check, cache: options.cacheModels, onProgress: (p) => progress({ type: 'progress', progress: p }) });
      sessions[m] = await createSession(bytes);
    } catch (e) {
      failed.push({ model: m, message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (!Object.keys(sessions).length && !remote) {
    const msg = failed.map((f) => `${f.model}: ${f.message}`).join('; ');
    throw Object.assign(new Error(`no model could be loaded — ${msg}`), { code: failed.some((f) => /download|HTTP|corrupt|offline/.test(f.message)) ? 'model-download' : 'model-load' });
  }
  for (const f of failed) post({ type: 'model-error', model: f.model, message: f.message });

  let audiosetLabels: string[] | undefined;
  if (sessions.yamnet && options.topAudioSetLabels > 0 && manifest.audioset_labels_file) {
    try {
      const csv = await fetchAsset(options.modelUrls.audiosetLabels ?? fileUrl(manifest.audioset_labels_file), 'labels', { cache: options.cacheModels });
      audiosetLabels = parseClassMap(new TextDecoder().decode(csv));
    } catch (e) {
      post({ type: 'warning', message: `AudioSet labels unavailable: ${e instanceof Error ? e.message : e}` });
    }
  }
  engine = new Engine({ core, ort, manifest, sessions, remote: remote ? { wav2vec2: remote.fn } : undefined, audiosetLabels, options });
  post({
    type: 'ready',
    info: {
      models: engine.models, versions: engine.versions(), threads, modelWorkers: remote ? 2 : 1, manifestVersion: manifest.version,
      fusionMethod: engine.settings.fusionMethod, settings: engine.settings, loadMs: performance.now() - t0, failed,
    },
  });
}

/** Wraps the pipeline's model functions and core objects with timers for the benchmark. */
function instrumented(sampleRate: number) {
  const p = engine!.createPipeline(sampleRate);
  const deps = (p.pipeline as unknown as { deps: { frontEnd: { push: (x: Float32Array) => number; pop: () => unknown }; decider: { update: (x: unknown) => unknown }; models: Record<string, ((x: Float32Array[]) => Promise<unknown[]>) | undefined> } }).deps;
  const time = <A extends unknown[], R>(fn: (...a: A) => R, add: (ms: number, a: A) => void) => (...a: A): R => {
    const t = performance.now();
    const r = fn(...a);
    add(performance.now() - t, a);
    return r;
  };
  const fe = deps.frontEnd;
  fe.push = time(fe.push.bind(fe), (ms, [x]) => { stats.frontEndMs += ms; stats.audioSeconds += x.length / sampleRate; });
  fe.pop = time(fe.pop.bind(fe), (ms) => { stats.frontEndMs += ms; });
  const dec = deps.decider;
  dec.update = time(dec.update.bind(dec), (ms) => { stats.deciderMs += ms; stats.decisions++; });
  for (const m of ['yamnet', 'wav2vec2'] as const) {
    const fn = deps.models[m];
    if (!fn) continue;
    deps.models[m] = async (xs) => {
      const t = performance.now();
      const r = await fn(xs);
      if (m === 'yamnet') { stats.yamnetMs += performance.now() - t; stats.yamnetWindows += xs.length; }
      else { stats.wav2vec2Ms += performance.now() - t; stats.wav2vec2Windows += xs.length; }
      return r;
    };
  }
  return p;
}

function forward(events: PipelineEvent[]): void {
  for (const e of events) {
    if (e.type === 'window') post({ type: 'window', window: e.window });
    else if (e.type === 'onset' || e.type === 'offset') post({ type: 'event', event: e.event });
    else if (e.type === 'model-error') post({ type: 'model-error', model: e.model, message: e.message });
    else if (e.type === 'warning') post({ type: 'warning', message: e.message });
  }
}

/** Feeds queued/ring audio to the pipeline one call at a time (the pipeline is not re-entrant). */
async function pump(): Promise<void> {
  if (pumping || !live) return;
  pumping = true;
  try {
    while (live && !live.stopped) {
      if (live.ring) {
        const x = live.ring.read();
        stats.droppedSamples = live.ring.dropped();
        if (x.length && !live.paused) queue.push(x);
      }
      const chunk = queue.shift();
      if (!chunk) break;
      if (live.paused) continue;
      forward(await live.pipeline.process(chunk));
    }
  } catch (e) {
    post({ type: 'error', code: 'runtime', message: e instanceof Error ? e.message : String(e) });
  } finally {
    pumping = false;
  }
}

async function ringLoop(ring: SampleRing): Promise<void> {
  const wait = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
  while (live && live.ring === ring && !live.stopped) {
    const w = Atomics.load(ring.header, SampleRing.WRITE_INDEX);
    if (ring.available() === 0) {
      if (wait) {
        const r = wait(ring.header, SampleRing.WRITE_INDEX, w, 100);
        if (r.async) await r.value;
      } else await new Promise((res) => setTimeout(res, 20));
    }
    await pump();
    // Process in ~100 ms steps: batching windows costs less than waking per 20 ms.
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function stopLive(): Promise<void> {
  if (!live) return;
  const l = live;
  l.stopped = true;
  l.port?.close();
  while (pumping) await new Promise((r) => setTimeout(r, 10));
  try {
    forward(await l.pipeline.finish());
  } catch (e) {
    post({ type: 'warning', message: `flush failed: ${e instanceof Error ? e.message : e}` });
  }
  l.dispose();
  live = null;
  queue = [];
}

/** Model-worker role (see models/remote.ts): ONNX Runtime and one Wav2Vec2 session, nothing else. */
let serve: ((m: Extract<ToModelWorker, { type: 'run' }>) => Promise<void>) | null = null;
let serving = Promise.resolve();
async function initModelWorker(m: Extract<ToModelWorker, { type: 'init-model' }>): Promise<void> {
  const postM = (x: FromModelWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(x, transfer);
  try {
    configureOrt(m.ortMjs, m.ortWasm, 1);
    const bytes = await fetchAsset(m.url, m.asset, { sha256: m.sha256, cache: m.cache, onProgress: (progress) => postM({ type: 'model-progress', progress }) });
    const session = await createSession(bytes);
    serve = serveModel(wav2vec2Fn(ort, session), postM);
    postM({ type: 'model-ready' });
  } catch (e) {
    postM({ type: 'model-failed', message: e instanceof Error ? e.message : String(e), download: e instanceof ModelDownloadError });
  }
}

self.onmessage = async (ev: MessageEvent<ToWorker | ToModelWorker>) => {
  const m = ev.data;
  if (m.type === 'init-model') return initModelWorker(m);
  if (m.type === 'run') {
    // one run at a time, in arrival order
    serving = serving.then(() => serve?.(m));
    return;
  }
  try {
    switch (m.type) {
      case 'init':
        ready = init(m.options, m.assets);
        await ready;
        break;
      case 'start': {
        await ready;
        await stopLive();
        Object.assign(stats, emptyStats());
        const p = instrumented(m.sampleRate);
        live = { ...p, sampleRate: m.sampleRate, paused: false, stopped: false };
        if (m.ring) {
          live.ring = new SampleRing(m.ring);
          void ringLoop(live.ring);
        } else if (m.port) {
          live.port = m.port;
          m.port.onmessage = (e: MessageEvent<Float32Array>) => {
            if (live && !live.paused) { queue.push(e.data); void pump(); }
          };
        }
        break;
      }
      case 'pause':
        if (live) live.paused = true;
        break;
      case 'resume':
        if (live) live.paused = false;
        break;
      case 'stop':
        await stopLive();
        post({ type: 'stopped' });
        break;
      case 'stats':
        post({ type: 'stats', stats: { ...stats } });
        break;
      case 'classify': {
        await ready;
        checkClip(m.samples, m.sampleRate);
        // Clip analysis is instrumented too (stats reset per clip) so benchmarks can read per-stage cost.
        if (!live) Object.assign(stats, emptyStats());
        const p = live ? engine!.createPipeline(m.sampleRate) : instrumented(m.sampleRate);
        try {
          const { warnings: _w, ...result } = await classifyClip(p.pipeline, m.samples, m.sampleRate);
          post({ type: 'classified', id: m.id, result });
        } catch (e) {
          post({ type: 'classify-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
        } finally {
          p.dispose();
        }
        break;
      }
    }
  } catch (e) {
    const code = (e as { code?: FromWorker & { type: 'error' } extends { code: infer C } ? C : never }).code ?? (e instanceof ModelDownloadError ? 'model-download' : 'runtime');
    if (m.type === 'classify') post({ type: 'classify-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    else post({ type: 'error', code, message: e instanceof Error ? e.message : String(e) });
  }
};
