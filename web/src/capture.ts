// Live audio capture on the main thread: the microphone (or an app's MediaStream) → AudioContext at
// the device's rate → the capture AudioWorklet → the Worker (shared-memory ring or messages).
// openCapture() builds it, Capture.close() tears it down, watchCapture() reports what the browser
// says about it (track ended or muted, context suspended, devices changed) to capture-health.ts.
import type { AssetUrls } from './assets.js';
import type { HealthSignal } from './capture-health.js';
import type { ToWorker } from './messages.js';
import { SampleRing } from './ring.js';

export interface Capture {
  readonly ctx: AudioContext;
  readonly node: AudioWorkletNode;
  readonly stream: MediaStream;
  /** 'ring' when a SharedArrayBuffer ring buffer carries audio, 'messages' otherwise. */
  readonly transport: 'ring' | 'messages';
  /** Tears the graph down; stops the microphone if we opened it (never an app's own stream). */
  close(): Promise<void>;
}

export class MicrophoneError extends Error {
  constructor(readonly error: unknown) {
    super((error as { message?: string })?.message ?? String(error));
    this.name = 'MicrophoneError';
  }
}

/** Raw audio: echo cancellation / noise suppression would remove the very sounds we detect. */
const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
};

/**
 * Opens the capture and tells the worker to start. Without `stream`, asks for the microphone
 * (getUserMedia failures are thrown as MicrophoneError, for the caller to classify).
 */
export async function openCapture(assets: AssetUrls, worker: Worker, stream?: MediaStream): Promise<Capture> {
  let own: MediaStream | null = null;
  if (!stream) {
    try {
      own = stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    } catch (e) {
      throw new MicrophoneError(e);
    }
  }
  let ctx: AudioContext | null = null;
  let node: AudioWorkletNode | null = null;
  const close = async () => {
    node?.port.postMessage({ type: 'stop' });
    node?.disconnect();
    own?.getTracks().forEach((t) => t.stop());
    if (ctx && ctx.state !== 'closed') await ctx.close().catch(() => undefined);
  };
  try {
    if (!stream.getAudioTracks().length) throw new MicrophoneError(Object.assign(new Error('The media stream has no audio track.'), { name: 'NotFoundError' }));
    ctx = new AudioContext({ latencyHint: 'interactive' }); // device's own rate
    await ctx.audioWorklet.addModule(assets.worklet);
    const useRing = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    const ring = useRing ? SampleRing.create(Math.ceil(ctx.sampleRate * 4)) : null;
    node = new AudioWorkletNode(ctx, 'cryscope-capture', {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit',
      processorOptions: ring ? { ring: ring.buffer } : {},
    });
    if (ring) {
      worker.postMessage({ type: 'start', sampleRate: ctx.sampleRate, ring: ring.buffer as SharedArrayBuffer } satisfies ToWorker);
    } else {
      const ch = new MessageChannel();
      node.port.postMessage({ port: ch.port1 }, [ch.port1]);
      worker.postMessage({ type: 'start', sampleRate: ctx.sampleRate, port: ch.port2 } satisfies ToWorker, [ch.port2]);
    }
    const src = ctx.createMediaStreamSource(stream);
    const mute = ctx.createGain();
    mute.gain.value = 0; // the worklet must be pulled by the graph, but nothing should be heard
    src.connect(node).connect(mute).connect(ctx.destination);
    if (ctx.state !== 'running') await resumeWithin(ctx, RESUME_TIMEOUT_MS);
    return { ctx, node, stream, transport: ring ? 'ring' : 'messages', close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** How long a new AudioContext may take to start running, ms. */
const RESUME_TIMEOUT_MS = 5000;

/** resume() never settles while autoplay rules hold the context (no user gesture yet): bound it. */
async function resumeWithin(ctx: AudioContext, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`audio did not start within ${ms / 1000} s (the browser may need a click or tap on the page)`)), ms);
  });
  try {
    await Promise.race([ctx.resume(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reports the browser's news about a capture until the returned function is called. `paused`:
 * while true, a suspended context is our own doing (pause()) and not reported.
 */
export function watchCapture(c: Capture, report: (s: HealthSignal) => void, paused: () => boolean): () => void {
  const offs: (() => void)[] = [];
  const on = (target: EventTarget, type: string, fn: () => void) => {
    target.addEventListener(type, fn);
    offs.push(() => target.removeEventListener(type, fn));
  };
  const tracks = c.stream.getAudioTracks();
  for (const t of tracks) {
    on(t, 'ended', () => report({ type: 'track-ended' }));
    on(t, 'mute', () => report({ type: 'track-muted' }));
    on(t, 'unmute', () => report({ type: 'track-unmuted' }));
  }
  on(c.ctx, 'statechange', () => {
    if (c.ctx.state === 'suspended' && paused()) return;
    report({ type: 'context-state', state: c.ctx.state });
  });
  const devices = globalThis.navigator?.mediaDevices;
  if (devices && typeof devices.addEventListener === 'function') {
    on(devices, 'devicechange', () => report({ type: 'devices-changed', trackLive: tracks.some((t) => t.readyState === 'live') }));
  }
  return () => offs.splice(0).forEach((f) => f());
}
