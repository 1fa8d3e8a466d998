import { describe, expect, it } from 'vitest';
import { ModelDownloadError } from '../../../web/src/models/fetch.js';
import { serveModel, startRemoteModel, type FromModelWorker, type ToModelWorker } from '../../../web/src/models/remote.js';

/** A Worker stand-in wired to serveModel (the real model-worker side) through structured clone. */
class FakeWorker {
  private listeners: { message: ((e: MessageEvent) => void)[]; error: ((e: ErrorEvent) => void)[] } = { message: [], error: [] };
  terminated = false;
  received: ToModelWorker[] = [];
  constructor(private readonly behave: (m: ToModelWorker, reply: (x: FromModelWorker) => void) => void) {}
  addEventListener(type: 'message' | 'error', fn: (e: never) => void) { this.listeners[type].push(fn as never); }
  postMessage(m: ToModelWorker, transfer: Transferable[] = []) {
    const copy = structuredClone(m, { transfer });
    this.received.push(copy);
    queueMicrotask(() => this.behave(copy, (x) => this.listeners.message.forEach((f) => f({ data: structuredClone(x) } as MessageEvent))));
  }
  fail(message: string) { this.listeners.error.forEach((f) => f({ message } as ErrorEvent)); }
  terminate() { this.terminated = true; }
}

const init = { type: 'init-model', ortMjs: 'o.mjs', ortWasm: 'o.wasm', url: 'w.onnx', cache: false, asset: 'wav2vec2' } as const;

function modelWorker() {
  // "probabilities" = [mean, 0, 1 - mean] of each window: shows which window produced which answer
  const fn = async (waves: Float32Array[]) => waves.map((w) => {
    if (w.length < 400) throw new Error(`Wav2Vec2 window too short (${w.length} samples)`);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    return Float32Array.from([mean, 0, 1 - mean]);
  });
  return new FakeWorker((m, reply) => {
    if (m.type === 'init-model') reply({ type: 'model-ready' });
    else void serveModel(fn, reply)(m);
  });
}

describe('Wav2Vec2 in its own worker', () => {
  it('answers each window with its own result and leaves the caller\'s arrays usable', async () => {
    const w = modelWorker();
    const remote = await startRemoteModel(w, init);
    const a = new Float32Array(1000).fill(0.25);
    const b = new Float32Array(1000).fill(0.75);
    const [ra, rb] = await Promise.all([remote.fn([a]), remote.fn([b])]);
    expect(Array.from(ra[0])).toEqual([0.25, 0, 0.75]);
    expect(Array.from(rb[0])).toEqual([0.75, 0, 0.25]);
    // transferred copies, not the originals (which may be views of the core's WASM memory)
    expect(a.length).toBe(1000);
    expect(a[0]).toBe(0.25);
  });

  it('rejects a failed run with the model worker\'s message and keeps serving', async () => {
    const remote = await startRemoteModel(modelWorker(), init);
    await expect(remote.fn([new Float32Array(10)])).rejects.toThrow(/too short \(10 samples\)/);
    const ok = await remote.fn([new Float32Array(500).fill(0.5)]);
    expect(ok[0][0]).toBeCloseTo(0.5);
  });

  it('rejects start-up when the model cannot be loaded, keeping download failures recognisable', async () => {
    const download = new FakeWorker((m, reply) => { if (m.type === 'init-model') reply({ type: 'model-failed', message: 'sha256 mismatch for w.onnx', download: true }); });
    const err = await startRemoteModel(download, init).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as ModelDownloadError).message).toMatch(/sha256 mismatch/);
    expect((err as ModelDownloadError).url).toBe('w.onnx');
    // Anything else (e.g. the session cannot be created there) is a plain Error: the caller falls back.
    const other = new FakeWorker((m, reply) => { if (m.type === 'init-model') reply({ type: 'model-failed', message: 'no nested workers', download: false }); });
    const err2 = await startRemoteModel(other, init).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Error);
    expect(err2).not.toBeInstanceOf(ModelDownloadError);
  });

  it('fails pending and later runs when the worker dies, and terminate() stops it', async () => {
    let hold = true;
    const w = new FakeWorker((m, reply) => { if (m.type === 'init-model') reply({ type: 'model-ready' }); else if (!hold) reply({ type: 'result', id: (m as { id: number }).id, probs: [] }); });
    const remote = await startRemoteModel(w, init);
    const pending = remote.fn([new Float32Array(500)]);
    w.fail('out of memory');
    await expect(pending).rejects.toThrow(/model worker failed: out of memory/);
    hold = false;
    await expect(remote.fn([new Float32Array(500)])).rejects.toThrow(/out of memory/);
    remote.terminate();
    expect(w.terminated).toBe(true);
  });
});
