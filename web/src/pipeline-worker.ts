// The pipeline-worker role: loads the WASM core and ONNX Runtime Web (WASM backend, threads + SIMD
// when the page is cross-origin isolated), downloads/verifies/caches the models, and runs the
// pipeline on live audio (from the worklet) and on clips. The main thread only receives small
// result messages.
import type { AssetUrls } from './assets.js';
import type { CreateCore, CryscopeCore } from './core.js';
import type { Engine } from './engine.js';
import { loadEngine, ManifestError, type ModelSource } from './engine-loader.js';
import type { FromWorker, StageStats, ToWorker } from './messages.js';
import { fetchAsset, ModelDownloadError } from './models/fetch.js';
import { startRemoteModel, type RemoteModel } from './models/remote.js';
import type { ResolvedOptions } from './options.js';
import { configureOrt, ort } from './ort-browser.js';
import { checkClip, classifyClip, type FramePipeline, type PipelineEvent, type StageTiming } from './pipeline.js';
import { SampleRing } from './ring.js';

type Post = (m: FromWorker, transfer?: Transferable[]) => void;

interface Live {
  pipeline: FramePipeline;
  dispose: () => void;
  sampleRate: number;
  ring?: SampleRing;
  port?: MessagePort;
  paused: boolean;
  stopped: boolean;
}

function emptyStats(): StageStats {
  return { frontEndMs: 0, yamnetMs: 0, wav2vec2Ms: 0, deciderMs: 0, yamnetWindows: 0, wav2vec2Windows: 0, decisions: 0, audioSeconds: 0, droppedSamples: 0 };
}

/** Adds one timed stage call to the benchmark's per-stage totals. */
function addTiming(stats: StageStats, t: StageTiming, sampleRate: number): void {
  if (t.stage === 'frontEnd') { stats.frontEndMs += t.ms; stats.audioSeconds += t.samples / sampleRate; }
  else if (t.stage === 'decider') { stats.deciderMs += t.ms; stats.decisions++; }
  else if (t.stage === 'yamnet') { stats.yamnetMs += t.ms; stats.yamnetWindows += t.windows; }
  else { stats.wav2vec2Ms += t.ms; stats.wav2vec2Windows += t.windows; }
}

/** Loads the WASM core (a module URL next to the package's files). */
async function loadCore(assets: AssetUrls): Promise<CryscopeCore> {
  try {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ assets.coreMjs)) as { default: CreateCore };
    return await mod.default({ locateFile: (p: string) => (p.endsWith('.wasm') ? assets.coreWasm : p) });
  } catch (e) {
    throw Object.assign(new Error(`could not load the WASM core: ${e instanceof Error ? e.message : e}`), { code: 'core-load' });
  }
}

export class PipelineWorker {
  private engine: Engine | null = null;
  /** Wav2Vec2 running in a second Worker (options.parallelModels), if started. */
  private remote: RemoteModel | null = null;
  private ready: Promise<void> | null = null;
  private live: Live | null = null;
  private queue: Float32Array[] = [];
  private pumping = false;
  private readonly stats: StageStats = emptyStats();

  constructor(private readonly post: Post) {}

  async handle(m: ToWorker): Promise<void> {
    try {
      switch (m.type) {
        case 'init':
          this.ready = this.init(m.options, m.assets);
          await this.ready;
          break;
        case 'start':
          await this.ready;
          await this.stopLive();
          this.startLive(m);
          break;
        case 'pause':
          if (this.live) this.live.paused = true;
          break;
        case 'resume':
          if (this.live) this.live.paused = false;
          break;
        case 'stop':
          await this.stopLive();
          this.post({ type: 'stopped' });
          break;
        case 'stats':
          this.post({ type: 'stats', stats: { ...this.stats } });
          break;
        case 'classify':
          await this.ready;
          await this.classify(m);
          break;
      }
    } catch (e) {
      const code = (e as { code?: FromWorker & { type: 'error' } extends { code: infer C } ? C : never }).code ?? (e instanceof ModelDownloadError ? 'model-download' : 'runtime');
      if (m.type === 'classify') this.post({ type: 'classify-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
      else this.post({ type: 'error', code, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async init(options: ResolvedOptions, assets: AssetUrls): Promise<void> {
    const t0 = performance.now();
    const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    // Default like ORT's own heuristic: half the cores (max 4), leaving room for audio and the page.
    // Measured on the 2-core build machine (web/bench/run.mjs --query threads=N, load average ~3):
    // 2 ORT threads made the whole pipeline slower (RTF 0.119 vs 0.067 with 1): the per-hop batches
    // are too small to split well and the second core is busy with audio, the page and other work.
    const threads = isolated ? (options.threads ?? Math.max(1, Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2)))) : 1;
    configureOrt(assets.ortMjs, assets.ortWasm, threads);
    const core = await loadCore(assets);
    this.post({ type: 'progress', progress: { asset: 'core', loaded: 1, total: 1, done: true } });

    const base = options.modelBaseUrl;
    const manifestUrl = options.modelUrls.manifest ?? (base ? new URL('manifest.json', new URL(base, self.location.href)).href : assets.models['manifest.json']);
    const fileUrl = (file: string) => (base ? new URL(file, new URL(base, self.location.href)).href : (assets.models[file] ?? new URL(file, manifestUrl).href));
    const onProgress = (progress: Extract<FromWorker, { type: 'progress' }>['progress']) => this.post({ type: 'progress', progress });
    const modelUrl = (m: 'yamnet' | 'wav2vec2', file: string) => (m === 'yamnet' ? options.modelUrls.yamnet : options.modelUrls.wav2vec2) ?? fileUrl(file);
    const source: ModelSource = {
      manifest: () => fetchAsset(manifestUrl, 'manifest', { cache: options.cacheModels, onProgress }),
      model: (m, file, sha256) => fetchAsset(modelUrl(m, file), m, { sha256, cache: options.cacheModels, onProgress }),
      classMap: async (file) => {
        try {
          return new TextDecoder().decode(await fetchAsset(options.modelUrls.audiosetLabels ?? fileUrl(file), 'labels', { cache: options.cacheModels }));
        } catch (e) {
          this.post({ type: 'warning', message: `AudioSet labels unavailable: ${e instanceof Error ? e.message : e}` });
          return undefined;
        }
      },
    };
    const parallel = options.parallelModels && options.models.length === 2;
    let loaded;
    try {
      loaded = await loadEngine({
        options, core, ort, source, tolerateModelFailures: true,
        remoteWav2vec2: parallel ? (file, sha256) => this.startRemote(assets, options, modelUrl('wav2vec2', file), sha256) : undefined,
      });
    } catch (e) {
      if (e instanceof ManifestError) throw Object.assign(e.cause instanceof Error ? e.cause : e, { code: 'model-download' });
      throw e;
    }
    const { engine, manifest, failed } = loaded;
    for (const f of failed) this.post({ type: 'model-error', model: f.model, message: f.message });
    this.engine = engine;
    this.post({
      type: 'ready',
      info: {
        models: engine.models, versions: engine.versions(), threads, modelWorkers: this.remote ? 2 : 1, manifestVersion: manifest.version,
        fusionMethod: engine.settings.fusionMethod, settings: engine.settings, loadMs: performance.now() - t0, failed,
      },
    });
  }

  /** Wav2Vec2 in its own Worker; undefined (load it here) when that Worker cannot run it. */
  private async startRemote(assets: AssetUrls, options: ResolvedOptions, url: string, sha256: string | undefined) {
    try {
      this.remote = await startRemoteModel(new Worker(assets.worker, { type: 'module' }),
        { type: 'init-model', ortMjs: assets.ortMjs, ortWasm: assets.ortWasm, url, sha256, cache: options.cacheModels, asset: 'wav2vec2' },
        (progress) => this.post({ type: 'progress', progress }));
      return this.remote.fn;
    } catch (e) {
      this.remote?.terminate();
      this.remote = null;
      // A download or checksum failure would fail here too; anything else (no nested Workers, ...)
      // only costs the parallelism.
      if (e instanceof ModelDownloadError) throw e;
      this.post({ type: 'warning', message: `Wav2Vec2 runs in the pipeline worker (its own worker failed: ${e instanceof Error ? e.message : e})` });
      return undefined;
    }
  }

  /** A pipeline whose stage times go to the benchmark's stats. */
  private timedPipeline(sampleRate: number, live = false) {
    return this.engine!.createPipeline(sampleRate, (t) => addTiming(this.stats, t, sampleRate), live);
  }

  private startLive(m: Extract<ToWorker, { type: 'start' }>): void {
    Object.assign(this.stats, emptyStats());
    const live: Live = { ...this.timedPipeline(m.sampleRate, true), sampleRate: m.sampleRate, paused: false, stopped: false };
    this.live = live;
    if (m.ring) {
      live.ring = new SampleRing(m.ring);
      void this.ringLoop(live.ring);
    } else if (m.port) {
      live.port = m.port;
      m.port.onmessage = (e: MessageEvent<Float32Array>) => {
        if (this.live && !this.live.paused) { this.queue.push(e.data); void this.pump(); }
      };
    }
  }

  private async classify(m: Extract<ToWorker, { type: 'classify' }>): Promise<void> {
    checkClip(m.samples, m.sampleRate);
    // Clip analysis is timed too (stats reset per clip) so benchmarks can read per-stage cost.
    if (!this.live) Object.assign(this.stats, emptyStats());
    const p = this.live ? this.engine!.createPipeline(m.sampleRate) : this.timedPipeline(m.sampleRate);
    try {
      const { warnings: _w, ...result } = await classifyClip(p.pipeline, m.samples, m.sampleRate);
      this.post({ type: 'classified', id: m.id, result });
    } catch (e) {
      this.post({ type: 'classify-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    } finally {
      p.dispose();
    }
  }

  private forward(events: PipelineEvent[]): void {
    for (const e of events) {
      if (e.type === 'window') this.post({ type: 'window', window: e.window });
      else if (e.type === 'onset' || e.type === 'offset') this.post({ type: 'event', event: e.event });
      else if (e.type === 'model-error') this.post({ type: 'model-error', model: e.model, message: e.message });
      else if (e.type === 'warning') this.post({ type: 'warning', message: e.message });
    }
  }

  /** Feeds queued/ring audio to the pipeline one call at a time (the pipeline is not re-entrant). */
  private async pump(): Promise<void> {
    if (this.pumping || !this.live) return;
    this.pumping = true;
    try {
      while (this.live && !this.live.stopped) {
        const live = this.live;
        if (live.ring) {
          const x = live.ring.read();
          this.stats.droppedSamples = live.ring.dropped();
          if (x.length && !live.paused) this.queue.push(x);
        }
        const chunk = this.queue.shift();
        if (!chunk) break;
        if (live.paused) continue;
        this.forward(await live.pipeline.process(chunk));
      }
    } catch (e) {
      this.post({ type: 'error', code: 'runtime', message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.pumping = false;
    }
  }

  private async ringLoop(ring: SampleRing): Promise<void> {
    const wait = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
    while (this.live && this.live.ring === ring && !this.live.stopped) {
      const w = Atomics.load(ring.header, SampleRing.WRITE_INDEX);
      if (ring.available() === 0) {
        if (wait) {
          const r = wait(ring.header, SampleRing.WRITE_INDEX, w, 100);
          if (r.async) await r.value;
        } else await new Promise((res) => setTimeout(res, 20));
      }
      await this.pump();
      // Process in ~100 ms steps: batching windows costs less than waking per 20 ms.
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  private async stopLive(): Promise<void> {
    if (!this.live) return;
    const l = this.live;
    l.stopped = true;
    l.port?.close();
    while (this.pumping) await new Promise((r) => setTimeout(r, 10));
    try {
      this.forward(await l.pipeline.finish());
    } catch (e) {
      this.post({ type: 'warning', message: `flush failed: ${e instanceof Error ? e.message : e}` });
    }
    l.dispose();
    this.live = null;
    this.queue = [];
  }
}
