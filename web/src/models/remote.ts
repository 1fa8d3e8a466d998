// Wav2Vec2 in a second Worker, so the two models run at the same time on two cores.
//
// Why: ORT-web runs one session at a time per WASM instance, and splitting one small per-hop run
// over threads (ORT's own threads) gains little. Two independent models in two Workers each get a
// core: the wall-clock cost of a hop becomes max(YAMNet, Wav2Vec2) instead of their sum.
//
// The model worker is the package's own worker.js started with an 'init-model' message (no extra
// file for bundlers to find). It only loads ONNX Runtime and one model and answers run requests;
// the pipeline worker keeps the WASM core, YAMNet, fusion and events.
import type { Wav2vec2Fn } from '../pipeline.js';
import type { LoadProgress } from '../types.js';
import { ModelDownloadError } from './fetch.js';

/** Pipeline worker → model worker. */
export type ToModelWorker =
  | { type: 'init-model'; ortMjs: string; ortWasm: string; url: string; sha256?: string; cache: boolean; asset: string }
  | { type: 'run'; id: number; waves: Float32Array[] };

/** Model worker → pipeline worker. */
export type FromModelWorker =
  | { type: 'model-progress'; progress: LoadProgress }
  | { type: 'model-ready' }
  /** download: the model file could not be fetched or failed its checksum (a ModelDownloadError). */
  | { type: 'model-failed'; message: string; download: boolean }
  | { type: 'result'; id: number; probs: Float32Array[] }
  | { type: 'run-error'; id: number; message: string };

interface WorkerLike {
  postMessage(m: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
  addEventListener(type: 'error', fn: (e: ErrorEvent) => void): void;
  terminate(): void;
}

export interface RemoteModel {
  fn: Wav2vec2Fn;
  terminate: () => void;
}

/**
 * Starts `worker` as a model worker and resolves once its session is ready. Rejects with the
 * worker's message if the model cannot be loaded — as a ModelDownloadError when the file could not
 * be fetched or verified (a local session would fail the same way), else as an Error (the caller
 * falls back to a local session).
 * Windows are copied before posting: the core's arrays may be views of its WASM memory, and
 * cloning a view would clone the whole memory.
 */
export function startRemoteModel(worker: WorkerLike, init: Extract<ToModelWorker, { type: 'init-model' }>, onProgress?: (p: LoadProgress) => void): Promise<RemoteModel> {
  const pending = new Map<number, { resolve: (p: Float32Array[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  return new Promise<RemoteModel>((resolve, reject) => {
    worker.addEventListener('error', (e: ErrorEvent) => {
      const err = new Error(`the model worker failed: ${e.message || 'unknown error'}`);
      failAll(err);
      reject(err);
    });
    worker.addEventListener('message', (e: MessageEvent<FromModelWorker>) => {
      const m = e.data;
      if (m.type === 'model-progress') onProgress?.(m.progress);
      else if (m.type === 'model-failed') {
        const err = m.download ? new ModelDownloadError(m.message, init.url) : new Error(m.message);
        failAll(err);
        reject(err);
      }
      else if (m.type === 'model-ready') {
        resolve({
          fn: (waves) => {
            if (dead) return Promise.reject(dead);
            const id = nextId++;
            const copies = waves.map((w) => w.slice());
            return new Promise<Float32Array[]>((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              worker.postMessage({ type: 'run', id, waves: copies } satisfies ToModelWorker, copies.map((c) => c.buffer));
            });
          },
          terminate: () => { failAll(new Error('the model worker was stopped')); worker.terminate(); },
        });
      } else if (m.type === 'result' || m.type === 'run-error') {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.type === 'result') p.resolve(m.probs);
        else p.reject(new Error(m.message));
      }
    });
    worker.postMessage(init);
  });
}

/** Model-worker side: answers run requests with `fn`, one at a time in arrival order. */
export function serveModel(fn: Wav2vec2Fn, post: (m: FromModelWorker, transfer?: Transferable[]) => void): (m: Extract<ToModelWorker, { type: 'run' }>) => Promise<void> {
  return async (m) => {
    try {
      const probs = (await fn(m.waves)).map((p) => Float32Array.from(p));
      post({ type: 'result', id: m.id, probs }, probs.map((p) => p.buffer));
    } catch (e) {
      post({ type: 'run-error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    }
  };
}
