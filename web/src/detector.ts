// CryDetector — the real-time API. Main thread only: microphone, AudioContext + AudioWorklet,
// the Worker, the optional result poster. All heavy work happens in the Worker.
import { defaultAssets, type AssetUrls } from './assets.js';
import { Emitter } from './emitter.js';
import type { FromWorker, ReadyInfo, StageStats, ToWorker } from './messages.js';
import { resolveOptions, type CryDetectorOptions, type ResolvedOptions } from './options.js';
import { ResultPoster, type PosterStatus } from './poster.js';
import { IndexedDbBatchStore, MemoryBatchStore, type BatchStore } from './queue.js';
import { watchPage } from './page-lifecycle.js';
import { SampleRing } from './ring.js';
import type { ClipResult, DetectionEvent, LoadProgress, WindowResult } from './types.js';
import { checkClip } from './pipeline.js';

export type ErrorCode =
  | 'unsupported' // the browser lacks AudioWorklet / Worker / WebAssembly / getUserMedia
  | 'permission-denied' // the user (or policy) denied the microphone
  | 'no-device' // no audio input device
  | 'device-busy' // the device exists but cannot be opened
  | 'model-download' // a model or manifest could not be downloaded or was corrupt
  | 'model-load' // ONNX Runtime could not load a model
  | 'core-load' // the WASM core could not be loaded
  | 'runtime'; // anything during processing

export class CryDetectorError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'CryDetectorError';
  }
}

export type DetectorState = 'ready' | 'starting' | 'listening' | 'paused' | 'stopped' | 'destroyed';

export interface DetectorEvents {
  /** Model/core loading progress. */
  progress: LoadProgress;
  /** One decision per hop: each model's probabilities, fused, YAMNet top AudioSet labels. */
  window: WindowResult;
  onset: DetectionEvent;
  offset: DetectionEvent;
  /** Both onset and offset. */
  event: DetectionEvent;
  error: CryDetectorError;
  warning: string;
  state: DetectorState;
  /** Result-sending status (only when backendUrl is set). */
  backend: PosterStatus;
}

/** Listeners that can be attached before loading starts (e.g. to show model download progress). */
export interface Handlers {
  onProgress?: (e: LoadProgress) => void;
  onWindow?: (e: WindowResult) => void;
  onOnset?: (e: DetectionEvent) => void;
  onOffset?: (e: DetectionEvent) => void;
  onEvent?: (e: DetectionEvent) => void;
  onError?: (e: CryDetectorError) => void;
  onWarning?: (e: string) => void;
  onState?: (e: DetectorState) => void;
  onBackend?: (e: PosterStatus) => void;
}

export function supportProblems(): string[] {
  const p: string[] = [];
  const g = globalThis as Record<string, unknown>;
  if (typeof g.WebAssembly !== 'object') p.push('WebAssembly');
  if (typeof g.Worker !== 'function') p.push('Web Workers');
  if (typeof g.AudioContext !== 'function' || !('audioWorklet' in (g.AudioContext as { prototype: object }).prototype)) p.push('AudioWorklet');
  if (!(navigator as Navigator | undefined)?.mediaDevices?.getUserMedia) p.push('microphone access (getUserMedia; needs https or localhost)');
  return p;
}

function micError(e: unknown): CryDetectorError {
  const name = (e as { name?: string })?.name ?? '';
  const msg = (e as { message?: string })?.message ?? String(e);
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return new CryDetectorError('permission-denied', 'Microphone permission was denied. Allow microphone access for this site and try again.', e);
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    return new CryDetectorError('no-device', 'No microphone was found. Connect an input device and try again.', e);
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new CryDetectorError('device-busy', `The microphone could not be opened (in use by another app?): ${msg}`, e);
  }
  return new CryDetectorError('runtime', `Could not start the microphone: ${msg}`, e);
}

export class CryDetector extends Emitter<DetectorEvents> {
  private worker: Worker;
  private ctx: AudioContext | null = null;
  private node: AudioWorkletNode | null = null;
  private ownStream: MediaStream | null = null;
  private poster: ResultPoster | null = null;
  private postTimer: ReturnType<typeof setInterval> | null = null;
  private unwatchPage: (() => void) | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: ClipResult) => void; reject: (e: Error) => void }>();
  private stopWaiters: (() => void)[] = [];
  private statsWaiters: ((s: StageStats) => void)[] = [];
  private _state: DetectorState = 'ready';
  /** performance.now() when audio capture started (for latency measurements). */
  startedAt = 0;
  /** Sample rate of the capture AudioContext (the device's rate). */
  sampleRate = 0;
  /** 'ring' when a SharedArrayBuffer ring buffer carries audio, 'messages' otherwise. */
  transport: 'ring' | 'messages' | null = null;

  private constructor(readonly options: ResolvedOptions, readonly assets: AssetUrls, readonly info: ReadyInfo, worker: Worker) {
    super();
    this.worker = worker;
  }

  get state(): DetectorState {
    return this._state;
  }

  /**
   * Validates options, loads the core and the models (with progress), and resolves when ready.
   * Rejects with OptionsError for bad options and CryDetectorError otherwise.
   */
  static async create(options: CryDetectorOptions = {}, handlers: Handlers = {}): Promise<CryDetector> {
    const resolved = resolveOptions(options);
    const missing = (['WebAssembly', 'Web Workers'] as const).filter((f) => supportProblems().includes(f));
    if (missing.length) throw new CryDetectorError('unsupported', `This browser lacks ${missing.join(' and ')}; use a current Chrome, Edge, Firefox or Safari.`);
    const assets = defaultAssets(resolved.assetBaseUrl);
    let worker: Worker;
    try {
      worker = new Worker(assets.worker, { type: 'module', name: 'cryscope' });
    } catch (e) {
      throw new CryDetectorError('unsupported', `Could not start the detector worker: ${e instanceof Error ? e.message : e}`, e);
    }
    const early: FromWorker[] = [];
    const info = await new Promise<ReadyInfo>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<FromWorker>) => {
        const m = ev.data;
        if (m.type === 'ready') resolve(m.info);
        else if (m.type === 'error') reject(new CryDetectorError(m.code, m.code === 'model-download' ? `Model download failed: ${m.message}` : m.message));
        else if (m.type === 'progress') handlers.onProgress?.(m.progress);
        else early.push(m);
      };
      worker.onerror = (e) => reject(new CryDetectorError('core-load', `The detector worker failed to start: ${e.message || 'script error'} (${assets.worker})`));
      worker.postMessage({ type: 'init', options: resolved, assets } satisfies ToWorker);
    }).catch((e) => {
      worker.terminate();
      throw e;
    });
    const d = new CryDetector(resolved, assets, info, worker);
    for (const [k, fn] of Object.entries(handlers)) {
      if (fn) d.on((k.slice(2, 3).toLowerCase() + k.slice(3)) as keyof DetectorEvents, fn as (e: unknown) => void);
    }
    worker.onmessage = (ev: MessageEvent<FromWorker>) => d.handle(ev.data);
    worker.onerror = (e) => d.fail(new CryDetectorError('runtime', `worker error: ${e.message}`));
    for (const m of early) d.handle(m);
    return d;
  }

  private setState(s: DetectorState) {
    this._state = s;
    this.emit('state', s);
  }

  private fail(e: CryDetectorError) {
    this.emit('error', e);
  }

  private handle(m: FromWorker): void {
    switch (m.type) {
      case 'window':
        this.emit('window', m.window);
        if (this.poster && this.options.sendWindows) this.poster.addWindow(m.window);
        break;
      case 'event':
        this.emit(m.event.type, m.event);
        this.emit('event', m.event);
        this.poster?.addEvent(m.event);
        break;
      case 'progress':
        this.emit('progress', m.progress);
        break;
      case 'warning':
        this.emit('warning', m.message);
        break;
      case 'model-error':
        this.emit('warning', `${m.model} stopped: ${m.message} (continuing with the other model)`);
        break;
      case 'classified':
        this.pending.get(m.id)?.resolve(m.result);
        this.pending.delete(m.id);
        break;
      case 'classify-error':
        this.pending.get(m.id)?.reject(new CryDetectorError('runtime', m.message));
        this.pending.delete(m.id);
        break;
      case 'stats':
        this.statsWaiters.splice(0).forEach((f) => f(m.stats));
        break;
      case 'stopped':
        this.stopWaiters.splice(0).forEach((f) => f());
        break;
      case 'error':
        this.fail(new CryDetectorError(m.code, m.message));
        break;
      case 'ready':
        break;
    }
  }

  /**
   * Starts listening. Without `stream`, asks for the microphone (the browser shows its prompt).
   * Rejects with CryDetectorError code 'permission-denied', 'no-device', 'unsupported', ….
   */
  async start(stream?: MediaStream): Promise<void> {
    if (this._state === 'destroyed') throw new CryDetectorError('runtime', 'detector was destroyed');
    if (this._state === 'listening' || this._state === 'starting') return;
    const problems = supportProblems().filter((p) => stream ? !p.startsWith('microphone') : true);
    if (problems.length) {
      const e = new CryDetectorError('unsupported', `This browser cannot capture audio here: missing ${problems.join(', ')}.`);
      this.fail(e);
      throw e;
    }
    this.setState('starting');
    try {
      if (!stream) {
        try {
          stream = await navigator.mediaDevices.getUserMedia({
            // Raw audio: echo cancellation / noise suppression would remove the very sounds we detect.
            audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
          });
        } catch (e) {
          throw micError(e);
        }
        this.ownStream = stream;
      }
      if (!stream.getAudioTracks().length) throw new CryDetectorError('no-device', 'The media stream has no audio track.');
      // A microphone unplugged (or revoked) mid-session ends its track: say so and stop cleanly.
      for (const t of stream.getAudioTracks()) {
        t.addEventListener('ended', () => {
          if (this._state !== 'listening' && this._state !== 'paused') return;
          this.fail(new CryDetectorError('no-device', 'The microphone was disconnected or access was revoked.'));
          void this.stop();
        }, { once: true });
      }
      const ctx = new AudioContext({ latencyHint: 'interactive' }); // device's own rate
      this.ctx = ctx;
      this.sampleRate = ctx.sampleRate;
      await ctx.audioWorklet.addModule(this.assets.worklet);
      const useRing = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
      const ring = useRing ? SampleRing.create(Math.ceil(ctx.sampleRate * 4)) : null;
      const node = new AudioWorkletNode(ctx, 'cryscope-capture', {
        numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit',
        processorOptions: ring ? { ring: ring.buffer } : {},
      });
      this.node = node;
      if (ring) {
        this.transport = 'ring';
        this.worker.postMessage({ type: 'start', sampleRate: ctx.sampleRate, ring: ring.buffer as SharedArrayBuffer } satisfies ToWorker);
      } else {
        this.transport = 'messages';
        const ch = new MessageChannel();
        node.port.postMessage({ port: ch.port1 }, [ch.port1]);
        this.worker.postMessage({ type: 'start', sampleRate: ctx.sampleRate, port: ch.port2 } satisfies ToWorker, [ch.port2]);
      }
      const src = ctx.createMediaStreamSource(stream);
      const mute = ctx.createGain();
      mute.gain.value = 0; // the worklet must be pulled by the graph, but nothing should be heard
      src.connect(node).connect(mute).connect(ctx.destination);
      if (ctx.state !== 'running') await ctx.resume();
      this.startedAt = performance.now();
      this.startPoster();
      this.setState('listening');
    } catch (e) {
      await this.teardownAudio();
      this.setState('stopped');
      const err = e instanceof CryDetectorError ? e : new CryDetectorError('runtime', `Could not start: ${e instanceof Error ? e.message : e}`, e);
      this.fail(err);
      throw err;
    }
  }

  private startPoster(): void {
    const o = this.options;
    if (!o.backendUrl || this.poster) return;
    let store: BatchStore;
    try {
      store = new IndexedDbBatchStore();
    } catch {
      store = new MemoryBatchStore();
    }
    let deviceId = o.deviceId;
    if (!deviceId) {
      try {
        deviceId = localStorage.getItem('cryscope.deviceId') ?? crypto.randomUUID();
        localStorage.setItem('cryscope.deviceId', deviceId);
      } catch {
        deviceId = crypto.randomUUID();
      }
    }
    this.poster = new ResultPoster({
      backendUrl: o.backendUrl, apiKey: o.apiKey, sessionId: crypto.randomUUID(), deviceId,
      sessionStartedAt: new Date().toISOString(), models: this.info.versions, store, maxWindows: o.maxBatchWindows,
      onStatus: (s) => this.emit('backend', s),
      onError: (e) => this.emit('warning', `could not queue results for the backend: ${e.message}`),
    });
    // A storage failure (e.g. IndexedDB blocked in a private window) must not break detection.
    this.postTimer = setInterval(() => {
      this.poster?.flush().catch((e) => this.emit('warning', `could not queue results for the backend: ${e instanceof Error ? e.message : e}`));
    }, o.batchIntervalSeconds * 1000);
    if (typeof addEventListener === 'function') addEventListener('online', this.onOnline);
    // Hidden or closing: everything pending goes out now, with keepalive (the timer may never fire again).
    this.unwatchPage = watchPage({ hidden: () => this.poster?.sendForUnload() });
  }

  private onOnline = () => void this.poster?.sendQueued({ now: true }).catch(() => undefined);

  pause(): void {
    if (this._state !== 'listening') return;
    this.node?.port.postMessage({ type: 'pause' });
    this.worker.postMessage({ type: 'pause' } satisfies ToWorker);
    void this.ctx?.suspend();
    this.setState('paused');
  }

  resume(): void {
    if (this._state !== 'paused') return;
    this.node?.port.postMessage({ type: 'resume' });
    this.worker.postMessage({ type: 'resume' } satisfies ToWorker);
    void this.ctx?.resume();
    this.setState('listening');
  }

  /** Stops listening; open episodes are closed (offset events) and pending results are sent. */
  async stop(): Promise<void> {
    if (this._state !== 'listening' && this._state !== 'paused' && this._state !== 'starting') return;
    await this.teardownAudio();
    const stopped = new Promise<void>((r) => this.stopWaiters.push(r));
    this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
    if (this.postTimer) clearInterval(this.postTimer);
    this.postTimer = null;
    if (typeof removeEventListener === 'function') removeEventListener('online', this.onOnline);
    this.unwatchPage?.();
    this.unwatchPage = null;
    await this.poster?.flush().catch(() => undefined);
    this.poster = null;
    this.setState('stopped');
  }

  private async teardownAudio(): Promise<void> {
    this.node?.port.postMessage({ type: 'stop' });
    this.node?.disconnect();
    this.node = null;
    this.ownStream?.getTracks().forEach((t) => t.stop());
    this.ownStream = null;
    if (this.ctx && this.ctx.state !== 'closed') await this.ctx.close().catch(() => undefined);
    this.ctx = null;
  }

  /** Stops and releases everything (worker, models). The detector cannot be used afterwards. */
  async destroy(): Promise<void> {
    await this.stop();
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new CryDetectorError('runtime', 'detector destroyed'));
    this.pending.clear();
    this.setState('destroyed');
  }

  /** Analyses a recorded clip (mono samples at any rate) with the same pipeline, off the main thread. */
  classify(samples: Float32Array, sampleRate: number): Promise<ClipResult> {
    if (this._state === 'destroyed') return Promise.reject(new CryDetectorError('runtime', 'detector was destroyed'));
    try {
      checkClip(samples, sampleRate);
    } catch (e) {
      return Promise.reject(e);
    }
    const id = this.nextId++;
    const copy = samples.slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'classify', id, samples: copy, sampleRate } satisfies ToWorker, [copy.buffer]);
    });
  }

  /** Per-stage processing cost since start() (for benchmarks). */
  stats(): Promise<StageStats> {
    return new Promise((r) => {
      this.statsWaiters.push(r);
      this.worker.postMessage({ type: 'stats' } satisfies ToWorker);
    });
  }

  /** Current backend status, or null when no backend is configured. */
  get backendStatus(): PosterStatus | null {
    return this.poster?.currentStatus ?? null;
  }
}
