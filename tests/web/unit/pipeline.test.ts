import { describe, expect, it } from 'vitest';
import { FramePipeline, classifyClip, topLabels, checkClip, type PipelineEvent, type StageTiming } from '../../../web/src/pipeline.js';
import { summarize, topAlarmMean } from '../../../web/src/clip-summary.js';
import { FakeDecider, FakeFrontEnd, fakeProbs, signal } from '../helpers/fakes.js';

const timing = { yamnetWindow: 0.975, yamnetHop: 0.5, wav2vec2Window: 2.0, wav2vec2Hop: 0.5 };

function make(opts: { yamnet?: boolean; wav2vec2?: boolean; failW2v?: boolean; names?: string[]; onTiming?: (t: StageTiming) => void } = {}) {
  const y = opts.yamnet ?? true;
  const w = opts.wav2vec2 ?? true;
  const frontEnd = new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: y, wav2vec2: w });
  const decider = new FakeDecider();
  const calls = { yamnet: 0, wav2vec2: 0 };
  const models = {
    yamnet: y ? async (ps: Float32Array[]) => { calls.yamnet += ps.length; return ps.map((p) => ({ probs: fakeProbs(p), scores: Float32Array.from([0.1, 0.7, 0.3]) })); } : undefined,
    wav2vec2: w ? async (ws: Float32Array[]) => {
      if (opts.failW2v) throw new Error('boom');
      calls.wav2vec2 += ws.length;
      return ws.map(fakeProbs);
    } : undefined,
  };
  const p = new FramePipeline({ frontEnd, decider, models, timing, audiosetLabels: opts.names, topK: 2, onTiming: opts.onTiming, clipTopWindows: 3 });
  return { p, decider, calls };
}

async function feed(p: FramePipeline, x: Float32Array, chunk = 128): Promise<PipelineEvent[]> {
  const out: PipelineEvent[] = [];
  for (let i = 0; i < x.length; i += chunk) out.push(...(await p.process(x.subarray(i, i + chunk))));
  return out;
}

describe('FramePipeline', () => {
  it('reports each stage call to the onTiming hook (the benchmark\'s per-stage cost), with counts', async () => {
    const seen: StageTiming[] = [];
    const { p, decider, calls } = make({ onTiming: (t) => seen.push(t) });
    const x = signal([[5, 0]]);
    await feed(p, x);
    const sum = (stage: string, k: 'samples' | 'windows') => seen.filter((t) => t.stage === stage).reduce((a, t) => a + ((t as unknown as Record<string, number>)[k] ?? 0), 0);
    expect(sum('frontEnd', 'samples')).toBe(x.length);
    expect(sum('yamnet', 'windows')).toBe(calls.yamnet);
    expect(sum('wav2vec2', 'windows')).toBe(calls.wav2vec2);
    expect(seen.filter((t) => t.stage === 'decider')).toHaveLength(decider.inputs.length);
    expect(seen.every((t) => t.ms >= 0)).toBe(true);
  });

  it('emits one decision per 0.5 s hop, pairing both models once Wav2Vec2 has a window', async () => {
    const { p, decider } = make();
    const evs = await feed(p, signal([[5, 0]]));
    const wins = evs.filter((e) => e.type === 'window').map((e) => (e as any).window);
    // YAMNet windows end at 0.975, 1.475, ... 4.975 and W2V at 2.0 … 5.0 → ticks 2..10 (9 decisions); none missing, none doubled.
    expect(wins.map((w) => Math.round(w.end * 1000))).toEqual([975, 1475, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
    // Before 2 s only YAMNet exists; from then on both contribute.
    expect(decider.inputs.slice(0, 2).every((i) => i.yamnet && !i.wav2vec2)).toBe(true);
    expect(decider.inputs.slice(2).every((i) => i.yamnet && i.wav2vec2)).toBe(true);
    expect(wins[2].models).toEqual(['yamnet', 'wav2vec2']);
    expect(wins[0].fused[2]).toBeCloseTo(0.9);
  });

  it('does not depend on how the audio is chunked', async () => {
    const x = signal([[2, 0], [3, 1], [2, 0]]);
    const a = make(); const b = make();
    const ea = (await feed(a.p, x, 128)).concat(await a.p.finish());
    const eb = (await feed(b.p, x, 16000 * 7)).concat(await b.p.finish());
    expect(JSON.stringify(ea)).toEqual(JSON.stringify(eb));
  });

  it('turns a loud stretch into a cry onset and offset with times from the decider', async () => {
    const { p } = make();
    const evs = (await feed(p, signal([[2, 0], [4, 1], [3, 0]]))).concat(await p.finish());
    const onsets = evs.filter((e) => e.type === 'onset').map((e) => (e as any).event);
    const offsets = evs.filter((e) => e.type === 'offset').map((e) => (e as any).event);
    expect(onsets).toHaveLength(1);
    expect(onsets[0].label).toBe('cry');
    expect(offsets).toHaveLength(1);
    expect(offsets[0].end).toBeGreaterThan(onsets[0].start);
  });

  it('detects scream separately from cry', async () => {
    const { p } = make();
    const evs = (await feed(p, signal([[2, 0], [4, -1], [3, 0]]))).concat(await p.finish());
    expect(evs.filter((e) => e.type === 'onset').map((e) => (e as any).event.label)).toEqual(['scream']);
  });

  it('closes an open episode at finish()', async () => {
    const { p } = make();
    await feed(p, signal([[1, 0], [4, 1]]));
    const tail = await p.finish();
    expect(tail.some((e) => e.type === 'offset' && e.event.label === 'cry')).toBe(true);
  });

  it('runs with only one model and passes null for the other', async () => {
    const { p, decider, calls } = make({ wav2vec2: false });
    await feed(p, signal([[3, 0]]));
    expect(calls.wav2vec2).toBe(0);
    expect(decider.inputs.length).toBeGreaterThan(0);
    expect(decider.inputs.every((i) => i.wav2vec2 === null && i.yamnet)).toBe(true);
    const w = make({ yamnet: false });
    const evs = await feed(w.p, signal([[3, 0]]));
    const ends = evs.filter((e) => e.type === 'window').map((e) => (e as any).window.end);
    expect(ends).toEqual([2, 2.5, 3]);
  });

  it('drops a failing model, reports it, and keeps deciding with the other', async () => {
    const { p, decider } = make({ failW2v: true });
    const evs = await feed(p, signal([[4, 0]]));
    const errs = evs.filter((e) => e.type === 'model-error');
    expect(errs).toHaveLength(1);
    expect((errs[0] as any).model).toBe('wav2vec2');
    expect(p.activeModels).toEqual(['yamnet']);
    expect(decider.inputs.length).toBeGreaterThanOrEqual(5);
    expect(decider.inputs.every((i) => i.wav2vec2 === null)).toBe(true);
  });

  it('reports YAMNet top AudioSet labels by score', async () => {
    const { p } = make({ names: ['Speech', 'Baby cry, infant cry', 'Music'] });
    const evs = await feed(p, signal([[1, 0]]));
    const w = evs.find((e) => e.type === 'window') as any;
    expect(w.window.topAudioSet).toEqual([{ label: 'Baby cry, infant cry', score: expect.closeTo(0.7, 5) }, { label: 'Music', score: expect.closeTo(0.3, 5) }]);
  });

  it('replaces NaN/Inf with silence and warns instead of crashing', async () => {
    const { p } = make();
    const x = signal([[1, 0]]);
    x[5] = NaN; x[6] = Infinity;
    const evs = await p.process(x);
    expect(evs[0]).toEqual({ type: 'warning', message: expect.stringContaining('2 non-finite') });
  });

  it('rejects concurrent calls and use after finish', async () => {
    const { p } = make();
    const a = p.process(signal([[1, 0]]));
    await expect(p.process(signal([[1, 0]]))).rejects.toThrow(/concurrently/);
    await a;
    await p.finish();
    await expect(p.process(signal([[1, 0]]))).rejects.toThrow(/finished/);
    p.reset();
    await expect(p.process(signal([[1, 0]]))).resolves.toBeDefined();
  });

  it('uses the Wav2Vec2 tail window of a clip shorter than its window (flush)', async () => {
    const { p, decider } = make();
    const evs = (await feed(p, signal([[1.2, 1]]))).concat(await p.finish());
    const wins = evs.filter((e) => e.type === 'window').map((e) => (e as any).window);
    expect(wins.some((w) => w.wav2vec2)).toBe(true);
    const last = decider.inputs.at(-1)!;
    expect(last.wav2vec2).not.toBeNull();
    expect(last.yamnet).not.toBeNull(); // fused with YAMNet's last result, not alone
    const times = decider.inputs.map((i) => i.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('needs at least one model', () => {
    expect(() => new FramePipeline({ frontEnd: new FakeFrontEnd(), decider: new FakeDecider(), models: {}, timing, clipTopWindows: 3 })).toThrow(/at least one model/);
  });
});

describe('classifyClip / summarize', () => {
  it('predicts the argmax of the mean fused probability and reports each model', async () => {
    const { p } = make();
    const r = await classifyClip(p, signal([[5, 1]]), 16000);
    expect(r.file.label).toBe('cry');
    expect(r.file.models.yamnet![0]).toBeCloseTo(0.9);
    expect(r.file.models.wav2vec2![0]).toBeCloseTo(0.9);
    expect(r.duration).toBe(5);
    expect(r.windows.length).toBeGreaterThan(5);
  });

  it('summarises the ensemble over windows where both models contributed', () => {
    const w = (models: string[], fused: [number, number, number]) => ({ start: 0, end: 1, fused, smoothed: fused, method: 'mean', models: models as any });
    const s = summarize([w(['yamnet'], [1, 0, 0]), w(['yamnet', 'wav2vec2'], [0, 0, 1]), w(['yamnet', 'wav2vec2'], [0, 0.5, 0.5])], null, 3, {});
    expect(s.probs).toEqual([0, 0.25, 0.75]);
    expect(s.label).toBe('normal');
    expect(summarize([w(['yamnet'], [0.2, 0.7, 0.1])], null, 3, {}).label).toBe('scream');
    // Each model's own row comes from every window it ran on (perModel), not from the decisions.
    const a: [number, number, number] = [1, 0, 0];
    const b: [number, number, number] = [0, 1, 0];
    const m = summarize([{ ...w(['yamnet'], a), yamnet: a }, { ...w(['yamnet'], a), yamnet: a }], null, 3, { yamnet: [a, b] });
    expect(m.models.yamnet).toEqual([0.5, 0.5, 0]);
    expect(m.models.wav2vec2).toBeUndefined();
  });

  it("takes a clip's verdict from its most alarming windows, not from its average", () => {
    // 10 quiet windows and 2 of crying: the all-window mean says normal, the clip is a cry
    const quiet: [number, number, number] = [0.02, 0.01, 0.97];
    const rows: [number, number, number][] = [...Array(5).fill(quiet), [0.9, 0.05, 0.05], [0.8, 0.1, 0.1], ...Array(5).fill(quiet)];
    const top3 = topAlarmMean(rows, 3);
    [0.5733, 0.0533, 0.3733].forEach((v, i) => expect(top3[i]).toBeCloseTo(v, 3));
    expect(topAlarmMean(rows, 100).map((v) => +v.toFixed(4))).toEqual([0.1583, 0.0208, 0.8208]);
    // ties keep the earlier window; bad parameters are refused, not defaulted
    expect(topAlarmMean([[0.5, 0, 0.5], [0, 0.5, 0.5]], 1)).toEqual([0.5, 0, 0.5]);
    expect(() => topAlarmMean(rows, 0)).toThrow(/integer >= 1/);
    expect(() => topAlarmMean(rows, 2.5)).toThrow(/integer >= 1/);
    expect(() => new FramePipeline({ frontEnd: new FakeFrontEnd(), decider: new FakeDecider(), models: { yamnet: async () => [] }, timing, clipTopWindows: 0 })).toThrow(/clipTopWindows/);
  });

  it('keeps every model window for a clip (its summary uses all of them) but none in a live stream', async () => {
    const live = make();
    await feed(live.p, signal([[30, 0]]));
    expect(live.p.modelWindows()).toEqual({ yamnet: [], wav2vec2: [] }); // a night of listening must not grow
    const clip = make();
    const r = await classifyClip(clip.p, signal([[3, 0]]), 16000);
    const all = clip.p.modelWindows();
    expect(all.yamnet.length).toBe(clip.calls.yamnet);
    expect(all.wav2vec2.length).toBe(clip.calls.wav2vec2);
    expect(r.file.models.yamnet).toEqual(topAlarmMean(all.yamnet, 3));
  });

  it('fuses each Wav2Vec2 window once with the YAMNet window whose nominal end is nearest (the Python evaluation rule)', async () => {
    const frontEnd = new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2: true });
    const pairs: [number, number][] = [];
    const mark = (i: number): [number, number, number] => [i / 100, 0, 1 - i / 100];
    let yi = 0; let wi = 0;
    const models = {
      yamnet: async (ps: Float32Array[]) => ps.map(() => ({ probs: mark(yi++) })),
      wav2vec2: async (ws: Float32Array[]) => ws.map(() => mark(50 + wi++)),
    };
    const fuse = (y: [number, number, number], w: [number, number, number]): [number, number, number] => {
      pairs.push([Math.round(y[0] * 100), Math.round(w[0] * 100) - 50]);
      return [0.1, 0.2, 0.7];
    };
    const p = new FramePipeline({ frontEnd, decider: new FakeDecider(), models, timing, fuse, clipTopWindows: 3 });
    const r = await classifyClip(p, signal([[4, 0]]), 16000);
    // 4 s: YAMNet windows end 0.975 + 0.5 i, Wav2Vec2 windows end 2.0 + 0.5 j → W2V j pairs with YAMNet j + 2.
    expect(pairs.length).toBe(wi);
    expect(pairs.slice(0, 5)).toEqual([[2, 0], [3, 1], [4, 2], [5, 3], [6, 4]]);
    r.file.probs.forEach((v, i) => expect(v).toBeCloseTo([0.1, 0.2, 0.7][i]));
    // summarize prefers the pairs over the streamed decisions when given.
    const w = { start: 0, end: 1, fused: [1, 0, 0] as [number, number, number], smoothed: [1, 0, 0] as [number, number, number], method: 'mean', models: ['yamnet', 'wav2vec2'] as any };
    expect(summarize([w], [[0, 0, 1], [0, 1, 0], [0, 0, 1]], 3, {}).label).toBe('normal');
    expect(summarize([w], [[0, 0, 1], [0, 1, 0], [0, 0, 1]], 1, {}).label).toBe('scream');
    expect(summarize([w], null, 3, {}).label).toBe('cry');
  });

  it('decides a clip on YAMNet\'s own windows when the fusion gives Wav2Vec2 no say (the Python evaluation rule)', async () => {
    const frontEnd = new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2: true });
    // YAMNet's window 1 alone is a scream; on Wav2Vec2's grid (pairs start at YAMNet window 2) it would never be seen
    let yi = 0;
    const models = {
      yamnet: async (ps: Float32Array[]) => ps.map(() => ({ probs: (yi++ === 1 ? [0, 0.9, 0.1] : [0, 0, 1]) as [number, number, number] })),
      wav2vec2: async (ws: Float32Array[]) => ws.map(() => [0, 0, 1] as [number, number, number]),
    };
    let fused = 0;
    const fuse = (y: [number, number, number]): [number, number, number] => { fused++; return y; };
    const p = new FramePipeline({ frontEnd, decider: new FakeDecider(), models, timing, fuse, ensembleIsYamnet: true, clipTopWindows: 1 });
    const r = await classifyClip(p, signal([[4, 0]]), 16000);
    expect(fused).toBe(0);
    expect(p.fileEnsemble()).toEqual(p.modelWindows().yamnet);
    expect(r.file.label).toBe('scream');
    expect(r.file.probs).toEqual(r.file.models.yamnet);
    expect(r.file.models.wav2vec2).toBeDefined();                 // Wav2Vec2 still ran and reports its own verdict
    // the same clip fused in pairs misses YAMNet's window 1
    yi = 0;
    const q = new FramePipeline({ frontEnd: new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2: true }), decider: new FakeDecider(), models, timing, fuse, clipTopWindows: 1 });
    expect((await classifyClip(q, signal([[4, 0]]), 16000)).file.label).toBe('normal');
  });

  it('gives clear errors for unusable clips', async () => {
    expect(() => checkClip(new Float32Array(0), 16000)).toThrow(/empty/);
    expect(() => checkClip(new Float32Array(10), 1000)).toThrow(/sampleRate/);
    expect(() => checkClip(new Float32Array(10), 44100.5)).toThrow(/integer/);
    expect(() => checkClip(Float32Array.from([0, NaN]), 16000)).toThrow(/non-finite/);
    expect(() => checkClip([0, 1] as any, 16000)).toThrow(/Float32Array/);
    expect(() => summarize([], null, 3, {})).toThrow(/no usable audio/);
  });

  it('topLabels handles k larger than the class count', () => {
    expect(topLabels([0.2, 0.9], ['a', 'b'], 5).map((l) => l.label)).toEqual(['b', 'a']);
    expect(topLabels([0.2], undefined, 3)).toEqual([]);
  });
});

describe('FramePipeline with slow models', () => {
  it('runs YAMNet and Wav2Vec2 at the same time and decides exactly as with instant models', async () => {
    const x = signal([[2, 0], [3, 1], [2, 0]]);
    const ref = make();
    const expected = (await feed(ref.p, x, 16000)).concat(await ref.p.finish());

    const frontEnd = new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2: true });
    let running = 0;
    let overlapped = 0;
    const slow = <T>(fn: () => T, ms: number) => async () => {
      running++;
      if (running > 1) overlapped++;
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return fn();
    };
    const models = {
      // Wav2Vec2 (in its own Worker in the browser) answers after YAMNet: order must not matter.
      yamnet: (ps: Float32Array[]) => slow(() => ps.map((p) => ({ probs: fakeProbs(p), scores: Float32Array.from([0.1, 0.7, 0.3]) })), 2)(),
      wav2vec2: (ws: Float32Array[]) => slow(() => ws.map(fakeProbs), 5)(),
    };
    const p = new FramePipeline({ frontEnd, decider: new FakeDecider(), models, timing, topK: 2, clipTopWindows: 3 });
    const got = (await feed(p, x, 16000)).concat(await p.finish());
    expect(overlapped).toBeGreaterThan(0);
    expect(JSON.stringify(got)).toEqual(JSON.stringify(expected));
  });
});
