// The pipeline-worker role in Node, with the engine loader, ONNX Runtime and the core replaced by
// fakes: init → ready (with the settings), live audio over a port → windows and events, per-stage
// stats from the pipeline's timing hook, stop → the tail flushed, classify → a clip result.
// The real worker runs in Chromium in tests/e2e.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FromWorker } from '../../../web/src/messages.js';
import { resolveOptions } from '../../../web/src/options.js';
import { FramePipeline, type StageTiming } from '../../../web/src/pipeline.js';
import { FakeDecider, FakeFrontEnd, fakeProbs, signal } from '../helpers/fakes.js';

const settings = {
  yamnetWindowSeconds: 0.975, yamnetHopSeconds: 0.5, wav2vec2WindowSeconds: 1, wav2vec2HopSeconds: 0.5,
  fusion: { default: 'mean' }, fusionMethod: 'mean', thresholds: { cry: { on: 0.6, off: 0.4 }, scream: { on: 0.6, off: 0.4 } },
  smoothing: { method: 'none' }, minDurationSeconds: 0, cooldownSeconds: 0, clipTopWindows: 3,
};

vi.mock('../../../web/src/ort-browser.js', () => ({ ort: {}, configureOrt: () => undefined }));
vi.mock('../../../web/src/engine-loader.js', () => ({
  ManifestError: class extends Error {},
  loadEngine: async () => ({
    manifest: { version: 'test' },
    failed: [],
    engine: {
      models: ['yamnet'],
      settings,
      versions: () => ({ yamnet: 'test', core: 'test' }),
      createPipeline: (_rate: number, onTiming?: (t: StageTiming) => void) => ({
        pipeline: new FramePipeline({
          frontEnd: new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 16000, wHop: 8000, yamnet: true, wav2vec2: false }),
          decider: new FakeDecider(),
          models: { yamnet: async (ps: Float32Array[]) => ps.map((p) => ({ probs: fakeProbs(p) })) },
          timing: { yamnetWindow: 0.975, yamnetHop: 0.5, wav2vec2Window: 1, wav2vec2Hop: 0.5 },
          onTiming,
          clipTopWindows: settings.clipTopWindows,
        }),
        dispose: () => undefined,
      }),
    },
  }),
}));

const posted: FromWorker[] = [];
let worker: import('../../../web/src/pipeline-worker.js').PipelineWorker;
const until = async (pred: () => boolean) => {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(pred()).toBe(true);
};

beforeAll(async () => {
  vi.stubGlobal('self', { location: { href: 'http://localhost/' }, crossOriginIsolated: false });
  const { PipelineWorker } = await import('../../../web/src/pipeline-worker.js');
  worker = new PipelineWorker((m) => posted.push(m));
});
afterAll(() => { vi.unstubAllGlobals(); });

describe('PipelineWorker', () => {
  it('loads, listens on a port, reports windows, events and per-stage stats, and flushes on stop', async () => {
    const coreMjs = `data:text/javascript,${encodeURIComponent('export default async () => ({ version: "test" });')}`;
    const assets = { worker: '', worklet: '', coreMjs, coreWasm: '', ortMjs: '', ortWasm: '', models: {} };
    await worker.handle({ type: 'init', options: resolveOptions({ parallelModels: false }), assets });
    const ready = posted.find((m) => m.type === 'ready');
    expect(ready && ready.type === 'ready' && ready.info.settings).toEqual(settings);

    const { port1, port2 } = new MessageChannel();
    await worker.handle({ type: 'start', sampleRate: 16000, port: port2 });
    const audio = signal([[1, 0], [3, 1], [1, 0]]);
    for (let i = 0; i < audio.length; i += 1600) port1.postMessage(audio.slice(i, i + 1600));
    // 5 s → YAMNet windows ending at 0.975, 1.475, … 4.975: 9 decisions.
    await until(() => posted.filter((m) => m.type === 'window').length === 9);
    await worker.handle({ type: 'stats' });
    const stats = posted.find((m) => m.type === 'stats');
    if (stats?.type !== 'stats') throw new Error('no stats');
    expect(stats.stats.audioSeconds).toBeCloseTo(5, 6);
    expect(stats.stats).toMatchObject({ decisions: 9, yamnetWindows: 9, wav2vec2Windows: 0, droppedSamples: 0 });
    expect(stats.stats.frontEndMs).toBeGreaterThan(0);

    await worker.handle({ type: 'stop' });
    expect(posted.at(-1)).toEqual({ type: 'stopped' });
    const events = posted.filter((m) => m.type === 'event').map((m) => m.type === 'event' && m.event.type);
    expect(events).toEqual(['onset', 'offset']);
    port1.close();
  });

  it('classifies a clip with a fresh pipeline', async () => {
    await worker.handle({ type: 'classify', id: 7, samples: signal([[2, 1]]), sampleRate: 16000 });
    const r = posted.find((m) => m.type === 'classified');
    expect(r?.type === 'classified' && r.id).toBe(7);
    expect(r?.type === 'classified' && r.result.file.label).toBe('cry');
  });
});
