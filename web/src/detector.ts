// CryDetector — the real-time API. Main thread only: microphone, AudioContext + AudioWorklet,
// the Worker, the optional result poster. All heavy work happens in the Worker.
import { defaultAssets, type AssetUrls } from './assets.js';
import { Emitter } from './emitter.js';
import type { FromWorker, ReadyInfo, StageStats, ToWorker } from './messages.js';
import { resolveOptions, type CryDetectorOptions, type ResolvedOptions } from './options.js';
import { ResultPoster, type PosterStatus } from './poster.js';
import { IndexedDbBatchStore, MemoryBatchStore, type BatchStore } from './queue.js';
import { watchPage } from './page-lifecycle.js';
import { openCapture, watchCapture, MicrophoneError, type Capture } from './capture.js';
import { CaptureHealth, PROBLEM_TEXT, type CaptureProblem, type HealthSignal, type HealthStep } from './capture-health.js';
import { ScreenWakeLock, type WakeLockState } from './wake-lock.js';
import type { ClipResult, DetectionEvent, LoadProgress, WindowResult } from './types.js';
import { checkClip } from './pipeline.js';
import type { DeviceStateReport } from './protocol/index.js';
import { DeviceStateReporter } from './device-report.js';

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

/**
 * - 'listening': hearing the room
 * - 'degraded': capturing, but the microphone is muted by the system (only silence arrives)
 * - 'recovering': the capture was lost (microphone unplugged, audio suspended …); restarting it
 */
export type DetectorState = 'ready' | 'starting' | 'listening' | 'degraded' | 'recovering' | 'paused' | 'stopped' | 'destroyed';

/** What happened to the capture (see `health` on CryDetector, and capture-health.ts). */
export type HealthEvent =
  /** A problem began: state is now 'degraded' or 'recovering'. */
  | { type: 'interrupted'; problem: CaptureProblem; message: string }
  /** A restart failed; the next one is in `retryInMs` (sooner if the page is shown or devices change). */
  | { type: 'retrying'; problem: CaptureProblem; attempt: number; retryInMs: number; error: string }
  /** Hearing again. `attempts`: restarts tried (0 if the problem cleared by itself); a restart begins a new session (stream time 0). */
  | { type: 'recovered'; problem: CaptureProblem; attempts: number; downtimeSeconds: number };

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
  /** Capture problems and recoveries (why the state is 'degraded' or 'recovering'). */
  health: HealthEvent;
  /** Screen Wake Lock state while listening (option keepScreenOn). */
  wakelock: WakeLockState;
  /** Result-sending status (only when backendUrl is set). */
  backend: PosterStatus;
  /** The state reported to the backend (and so to the caregiver view) changed; see `reportedState`. */
  report: DeviceStateReport;
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
  onHealth?: (e: HealthEvent) => void;
  onWakelock?: (e: WakeLockState) => void;
  onBackend?: (e: PosterStatus) => void;
  onReport?: (e: DeviceStateReport) => void;
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
  private capture: Capture | null = null;
  private unwatchCapture: (() => void) | null = null;
  /** The app's own MediaStream given to start(), reused by a restart; null = we open the microphone. */
  private appStream: MediaStream | null = null;
  private health: CaptureHealth | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private restarting: Promise<void> | null = null;
  private stopping = false;
  private readonly wakeLock = new ScreenWakeLock((s, err) => {
    this.emit('wakelock', s);
    if (s === 'refused') this.emit('warning', `the screen may sleep while listening: wake lock refused (${err})`);
  });
  private poster: ResultPoster | null = null;
  private postTimer: ReturnType<typeof setInterval> | null = null;
  private unwatchPage: (() => void) | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: ClipResult) => void; reject: (e: Error) => void }>();
  private stopWaiters: (() => void)[] = [];
  private statsWaiters: ((s: StageStats) => void)[] = [];
  private _state: DetectorState = 'ready';
  /** The state reported to the backend: every change goes out at once (poster.setDevice). */
  private readonly reporter = new DeviceStateReporter((r) => {
    this.poster?.setDevice(r);
    this.emit('report', r);
  });
  /** performance.now() when audio capture started (for latency measurements). */
  startedAt = 0;
  /** Sample rate of the capture AudioContext (the device's rate). */
  sampleRate = 0;
  /** 'ring' when a SharedArrayBuffer ring buffer carries audio, 'messages' otherwise. */
  transport: 'ring' | 'messages' | null = null;
  /** Why the detector is 'degraded' or 'recovering' (null otherwise). */
  get problem(): CaptureProblem | null {
    return this.health?.problem ?? null;
  }
  /** Screen Wake Lock: 'held', 'released' (page hidden), 'unsupported', 'refused' or 'off'. */
  get wakeLockState(): WakeLockState {
    return this.wakeLock.state;
  }
  /** The backend session results are sent under (null without backendUrl or when not listening); a new one per start or restart. */
  get sessionId(): string | null {
    return this.poster?.sessionId ?? null;
  }
  /** The MediaStream being listened to (null when not listening). */
  get mediaStream(): MediaStream | null {
    return this.capture?.stream ?? null;
  }

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
    this.reporter.detector(s, this.health?.problem ?? null);
  }

  /**
   * The state reported to the backend with every batch (cryscope.batch/1 `device`; see
   * device-report.ts): listening, paused, or degraded with reasons. Null before start().
   */
  get reportedState(): DeviceStateReport | null {
    return this.reporter.current;
  }

  private onBackendStatus(s: PosterStatus): void {
    this.emit('backend', s);
    this.reporter.backend(s);
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
        this.reporter.modelFailed(m.model);
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
    if (this.listeningLike() || this._state === 'starting' || this.stopping) return;
    const problems = supportProblems().filter((p) => stream ? !p.startsWith('microphone') : true);
    if (problems.length) {
      const e = new CryDetectorError('unsupported', `This browser cannot capture audio here: missing ${problems.join(', ')}.`);
      this.fail(e);
      throw e;
    }
    this.setState('starting');
    this.reporter.reset(); // a new start reports afresh (not the state the last stop left)
    this.appStream = stream ?? null;
    try {
      await this.openLive();
    } catch (e) {
      this.setState('stopped');
      const err = e instanceof CryDetectorError ? e : new CryDetectorError('runtime', `Could not start: ${e instanceof Error ? e.message : e}`, e);
      this.fail(err);
      throw err;
    }
    this.health = new CaptureHealth();
    this.unwatchPage = watchPage({
      // Hidden or closing: everything pending goes out now, with keepalive (the timer may never fire again).
      hidden: () => this.poster?.sendForUnload(),
      // Shown again: the browser dropped the wake lock while hidden, and a pending restart may work now.
      visible: () => {
        if (this.listeningLike()) void this.wakeLock.onVisible();
        this.onHealth({ type: 'nudge' });
      },
      interacted: () => this.onHealth({ type: 'nudge' }),
    });
    this.setState('listening');
    this.noticeMuted();
    if (this.options.keepScreenOn) void this.wakeLock.acquire();
  }

  /** A track can be muted from the start ('mute' fires only on a change): look once opened. */
  private noticeMuted(): void {
    const tracks = this.capture?.stream.getAudioTracks() ?? [];
    if (tracks.length && tracks.every((t) => t.muted)) this.onHealth({ type: 'track-muted' });
  }

  /** Opens the capture (microphone or the app's stream), starts the worker and a poster session. */
  private async openLive(): Promise<void> {
    let capture: Capture;
    try {
      capture = await openCapture(this.assets, this.worker, this.appStream ?? undefined);
    } catch (e) {
      throw e instanceof MicrophoneError ? micError(e.error) : e;
    }
    this.capture = capture;
    this.sampleRate = capture.ctx.sampleRate;
    this.transport = capture.transport;
    this.startedAt = performance.now();
    this.unwatchCapture = watchCapture(capture, (sig) => this.onHealth(sig), () => this._state === 'paused');
    await this.closePoster(); // the state-only session of a failed recovery, if any
    this.startPoster();
  }

  /** Ends the capture: audio torn down, the worker flushes open episodes (offsets), results sent. */
  private async closeLive(): Promise<void> {
    this.unwatchCapture?.();
    this.unwatchCapture = null;
    await this.capture?.close();
    this.capture = null;
    const stopped = new Promise<void>((r) => this.stopWaiters.push(r));
    this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
    await this.closePoster();
  }

  /** Ends the poster session: buffered results are queued in the outbox and sent in the background. */
  private async closePoster(): Promise<void> {
    if (this.postTimer) clearInterval(this.postTimer);
    this.postTimer = null;
    if (typeof removeEventListener === 'function') removeEventListener('online', this.onOnline);
    const poster = this.poster;
    this.poster = null;
    await poster?.finish().catch((e) => this.emit('warning', `could not queue results for the backend: ${e instanceof Error ? e.message : e}`));
  }

  private listeningLike(): boolean {
    if (this.stopping) return false;
    return this._state === 'listening' || this._state === 'degraded' || this._state === 'recovering';
  }

  /** Feeds the health state machine and carries out what it says. */
  private onHealth(sig: HealthSignal): void {
    if (!this.health || !this.listeningLike()) return;
    const step = this.health.signal(sig);
    if (step.interrupted) {
      if (!this.options.autoRecover && step.state === 'recovering') {
        // The app handles recovery itself: report and stop, as a plain error.
        this.fail(new CryDetectorError('no-device', PROBLEM_TEXT[step.interrupted]));
        void this.stop();
        return;
      }
      this.emit('health', { type: 'interrupted', problem: step.interrupted, message: PROBLEM_TEXT[step.interrupted] });
    }
    if (step.recovered) {
      const r = step.recovered;
      this.emit('health', { type: 'recovered', problem: r.problem, attempts: r.attempts, downtimeSeconds: r.downtimeMs / 1000 });
    }
    if (step.state !== this._state) this.setState(step.state);
    if (step.restart) {
      this.restarting = this.restart(step).finally(() => { this.restarting = null; });
    }
  }

  /** One restart attempt: a fresh capture (and backend session); reports the outcome to the machine. */
  private async restart(step: HealthStep): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let result: HealthSignal;
    try {
      await this.closeLive();
      if (this.appStream && !this.appStream.getAudioTracks().some((t) => t.readyState === 'live')) {
        throw new CryDetectorError('no-device', 'the MediaStream given to start() has ended; call start() with a new one');
      }
      if (!this.listeningLike()) return; // stop() ran meanwhile
      await this.openLive();
      if (!this.listeningLike()) return; // stop() ran meanwhile and closes what was opened
      result = { type: 'restarted' };
    } catch (e) {
      if (this.appStream && e instanceof CryDetectorError && e.code === 'no-device') {
        this.fail(e); // nothing we can reopen: the app must supply a new stream
        void this.stop();
        return;
      }
      result = { type: 'restart-failed', message: e instanceof Error ? e.message : String(e) };
    }
    if (!this.listeningLike()) return;
    const next = this.health!.signal(result);
    if (next.recovered) this.emit('health', { type: 'recovered', problem: next.recovered.problem, attempts: next.recovered.attempts, downtimeSeconds: next.recovered.downtimeMs / 1000 });
    if (next.retryInMs !== undefined && result.type === 'restart-failed') {
      this.emit('health', { type: 'retrying', problem: step.problem!, attempt: this.health!.attempts, retryInMs: next.retryInMs, error: result.message });
      this.retryTimer = setTimeout(() => this.onHealth({ type: 'retry-due' }), next.retryInMs);
    }
    if (next.state !== this._state) this.setState(next.state);
    // Still without a capture: a session with no audio keeps reporting 'degraded' (state beats),
    // so the caregiver sees the problem instead of the device going offline.
    if (result.type === 'restart-failed' && !this.poster) this.startPoster();
    if (result.type === 'restarted') this.noticeMuted();
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
      device: this.reporter.current ?? undefined,
      onStatus: (s) => this.onBackendStatus(s),
      onError: (e) => this.emit('warning', `could not queue results for the backend: ${e.message}`),
    });
    // A storage failure (e.g. IndexedDB blocked in a private window) must not break detection.
    this.postTimer = setInterval(() => {
      this.poster?.flush().catch((e) => this.emit('warning', `could not queue results for the backend: ${e instanceof Error ? e.message : e}`));
    }, o.batchIntervalSeconds * 1000);
    if (typeof addEventListener === 'function') addEventListener('online', this.onOnline);
    // Whatever an earlier visit left in the outbox goes now, not at the first tick.
    this.onOnline();
  }

  private onOnline = () => void this.poster?.sendQueued({ now: true }).catch(() => undefined);

  pause(): void {
    if (this._state !== 'listening' && this._state !== 'degraded') return;
    this.capture?.node.port.postMessage({ type: 'pause' });
    this.worker.postMessage({ type: 'pause' } satisfies ToWorker);
    void this.capture?.ctx.suspend();
    void this.wakeLock.release();
    this.setState('paused');
  }

  resume(): void {
    if (this._state !== 'paused') return;
    this.capture?.node.port.postMessage({ type: 'resume' });
    this.worker.postMessage({ type: 'resume' } satisfies ToWorker);
    void this.capture?.ctx.resume();
    this.setState(this.health?.state ?? 'listening');
    if (this.options.keepScreenOn) void this.wakeLock.acquire();
    // Signals are not acted on while paused: a microphone unplugged meanwhile is noticed now.
    if (this.capture && !this.capture.stream.getAudioTracks().some((t) => t.readyState === 'live')) this.onHealth({ type: 'track-ended' });
  }

  /** Stops listening; open episodes are closed (offset events); pending results are queued and sent in the background. */
  async stop(): Promise<void> {
    if (this.stopping || (!this.listeningLike() && this._state !== 'paused' && this._state !== 'starting')) return;
    this.stopping = true;
    try {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.unwatchPage?.();
      this.unwatchPage = null;
      await this.wakeLock.release();
      await this.restarting; // a restart in progress returns without reopening once it sees `stopping`
      // Report "stopped" before the teardown, through the poster (outbox, then sent at once): the
      // caregiver view shows a deliberate stop right away, not "offline" after the server's timeout,
      // and the offsets the teardown flushes and the final batch carry it too.
      this.reporter.detector('stopped', null);
      await this.closeLive();
      this.health = null;
      this.setState('stopped');
    } finally {
      this.stopping = false;
    }
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
