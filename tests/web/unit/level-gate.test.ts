import { describe, expect, it } from 'vitest';
import { BLOCK_SECONDS, LevelGate, levelDb } from '../../../web/src/level-gate.js';
import { FramePipeline, GATED_PROBS, type PipelineEvent } from '../../../web/src/pipeline.js';
import { resolveOptions, OptionsError } from '../../../web/src/options.js';
import { FakeDecider, FakeFrontEnd, fakeProbs } from '../helpers/fakes.js';

const SR = 16000;
/** Constant-amplitude pieces: [seconds, amplitude] (RMS level = 20·log10(amplitude)). */
function tone(parts: [number, number][]): Float32Array {
  const out = new Float32Array(parts.reduce((s, [d]) => s + Math.round(d * SR), 0));
  let o = 0;
  for (const [d, a] of parts) { const n = Math.round(d * SR); out.fill(a, o, o + n); o += n; }
  return out;
}
const dB = (db: number) => 10 ** (db / 20);

describe('LevelGate (pure)', () => {
  const make = (hangoverSeconds = 2) => new LevelGate({ sampleRate: SR, thresholdDb: -50, hangoverSeconds, maxWindowSeconds: 2 });

  it('measures RMS in dBFS (full scale = RMS 1.0)', () => {
    expect(levelDb(4 * 0.25, 4)).toBeCloseTo(-6.02, 2); // amplitude 0.5
    expect(levelDb(0, 10)).toBe(-Infinity);
    expect(levelDb(1, 0)).toBe(-Infinity);
  });

  it('stays shut on quiet input and opens on the first window with a loud 0.1 s — that window itself (no lost onset)', () => {
    const g = make();
    g.push(tone([[5, dB(-70)], [0.1, dB(-30)]])); // loud block 5.0–5.1 s
    expect(g.isOpen(3.0, 3.975)).toBe(false);
    expect(g.isOpen(4.0, 4.975)).toBe(false);
    // A window whose last 0.1 s is the loud one opens (a whole-window RMS would be diluted).
    expect(g.isOpen(4.125, 5.1)).toBe(true);
  });

  it('stays open for the hangover after the last loud block, then shuts', () => {
    const g = make(2);
    g.push(tone([[1, dB(-20)], [10, dB(-80)]])); // loud until 1.0 s
    expect(g.isOpen(0.5, 1.475)).toBe(true);
    expect(g.isOpen(2.5, 3.475)).toBe(true); // starts 1.5 s after the loud audio: within 2 s
    expect(g.isOpen(2.9, 3.875)).toBe(true);
    expect(g.isOpen(3.0, 3.975)).toBe(false); // starts 2.0 s after: hangover over
    expect(g.isOpen(8, 9)).toBe(false);
  });

  it('with hangover 0 only windows that contain loud audio are analysed', () => {
    const g = make(0);
    g.push(tone([[1, dB(-20)], [3, 0]]));
    expect(g.isOpen(0.5, 1.475)).toBe(true);
    expect(g.isOpen(1.0, 1.975)).toBe(false);
  });

  it('counts the threshold inclusively and treats digital silence as quiet', () => {
    const g = new LevelGate({ sampleRate: SR, thresholdDb: -40, hangoverSeconds: 0, maxWindowSeconds: 1 });
    g.push(tone([[1, 0], [1, dB(-40) * 1.0001]]));
    expect(g.isOpen(0, 0.975)).toBe(false);
    expect(g.isOpen(1.0, 1.975)).toBe(true);
  });

  it('does not depend on how the input is chunked (whole blocks)', () => {
    const x = tone([[3, dB(-70)], [0.3, dB(-35)], [4, dB(-70)], [0.2, dB(-45)], [3, dB(-90)]]);
    const windows = Array.from({ length: 20 }, (_, k) => [k * 0.5, k * 0.5 + 0.975] as const);
    const run = (chunk: number) => {
      const g = make(1.5);
      const out: boolean[] = [];
      let fed = 0;
      let next = 0;
      while (fed < x.length) {
        g.push(x.subarray(fed, Math.min(x.length, fed + chunk)));
        fed = Math.min(x.length, fed + chunk);
        // Ask about each window once its audio (rounded up to a whole block) has arrived, as the pipeline does.
        while (next < windows.length && Math.ceil(windows[next][1] / BLOCK_SECONDS) * BLOCK_SECONDS * SR <= fed) { out.push(g.isOpen(...windows[next])); next++; }
      }
      return out;
    };
    const a = run(128);
    expect(run(1600)).toEqual(a);
    expect(run(16000)).toEqual(a);
    expect(a.some(Boolean)).toBe(true);
    expect(a.some((v) => !v)).toBe(true);
  });

  it('keeps bounded memory over a long stream (history is dropped as windows are asked about)', () => {
    const g = make(5);
    const loud = tone([[60, dB(-20)]]);
    for (let i = 0; i < 60; i++) { // an hour of loud blocks, asked about as the pipeline does
      g.push(loud);
      expect(g.isOpen(i * 60 + 59, i * 60 + 59.975)).toBe(true);
    }
    expect((g as unknown as { loudEnds: number[] }).loudEnds.length).toBeLessThanOrEqual((2 + 5) / BLOCK_SECONDS + 4);
    expect(g.isOpen(3599, 3599.975)).toBe(true);
  });

  it('rejects bad configuration', () => {
    expect(() => new LevelGate({ sampleRate: 0, thresholdDb: -50, hangoverSeconds: 1, maxWindowSeconds: 1 })).toThrow(/sampleRate/);
    expect(() => new LevelGate({ sampleRate: SR, thresholdDb: NaN, hangoverSeconds: 1, maxWindowSeconds: 1 })).toThrow(/thresholdDb/);
    expect(() => new LevelGate({ sampleRate: SR, thresholdDb: -50, hangoverSeconds: -1, maxWindowSeconds: 1 })).toThrow(/hangover/);
  });
});

const timing = { yamnetWindow: 0.975, yamnetHop: 0.5, wav2vec2Window: 2.0, wav2vec2Hop: 0.5 };
function pipeline(gate?: { thresholdDb: number; hangoverSeconds: number }, wav2vec2 = false) {
  const frontEnd = new FakeFrontEnd({ yWin: 15600, yHop: 8000, wWin: 32000, wHop: 8000, yamnet: true, wav2vec2 });
  const decider = new FakeDecider();
  const calls = { yamnet: 0, wav2vec2: 0 };
  const p = new FramePipeline({
    frontEnd, decider, timing, clipTopWindows: 3,
    models: {
      yamnet: async (ps) => { calls.yamnet += ps.length; return ps.map((x) => ({ probs: fakeProbs(x) })); },
      wav2vec2: wav2vec2 ? async (ws) => { calls.wav2vec2 += ws.length; return ws.map(fakeProbs); } : undefined,
    },
    gate: gate && { sampleRate: SR, ...gate },
  });
  return { p, decider, calls };
}
async function feed(p: FramePipeline, x: Float32Array, chunk = 1600): Promise<PipelineEvent[]> {
  const out: PipelineEvent[] = [];
  for (let i = 0; i < x.length; i += chunk) out.push(...(await p.process(x.subarray(i, i + chunk))));
  out.push(...(await p.finish()));
  return out;
}
const onsets = (evs: PipelineEvent[]) => evs.filter((e) => e.type === 'onset' || e.type === 'offset').map((e) => `${e.type} ${(e as any).event.label} ${(e as any).event.start}${(e as any).event.end !== undefined ? `-${(e as any).event.end}` : ''}`);

describe('FramePipeline with the level gate', () => {
  // Quiet room (−70 dBFS, normal for the fake model), a "cry" (amplitude 0.9 → fake cry), quiet again.
  const x = tone([[10, dB(-70)], [3, 0.9], [10, dB(-70)]]);

  it('skips the models in the quiet, runs them on every window that could hold the cry, and decides the same episodes', async () => {
    const plain = pipeline();
    const gated = pipeline({ thresholdDb: -50, hangoverSeconds: 2 });
    const a = await feed(plain.p, x);
    const b = await feed(gated.p, x);
    expect(onsets(b)).toEqual(onsets(a));
    expect(onsets(b).length).toBe(2);
    expect(gated.calls.yamnet).toBeLessThan(plain.calls.yamnet / 2);
    expect(gated.p.gateStats).toEqual({ windows: plain.calls.yamnet, analysed: gated.calls.yamnet });
    // Same decision grid: one decision per hop, gated ones flagged, without model probabilities.
    const wa = a.filter((e) => e.type === 'window').map((e) => (e as any).window);
    const wb = b.filter((e) => e.type === 'window').map((e) => (e as any).window);
    expect(wb.map((w) => w.end)).toEqual(wa.map((w) => w.end));
    const g = wb.filter((w) => w.gated);
    expect(g.length).toBe(plain.calls.yamnet - gated.calls.yamnet);
    expect(g.every((w) => w.yamnet === undefined && w.fused[2] === 1)).toBe(true);
    // The Decider got GATED_PROBS for them.
    expect(gated.decider.inputs.filter((i) => i.yamnet && Array.from(i.yamnet).join() === GATED_PROBS.join()).length).toBe(g.length);
    // Every window overlapping the loud part (10–13 s) was analysed.
    expect(wb.filter((w) => w.end > 10 && w.end - 0.975 < 13).every((w) => !w.gated)).toBe(true);
  });

  it('closes an episode in the quiet after it (the Decider keeps deciding on gated windows)', async () => {
    const gated = pipeline({ thresholdDb: -50, hangoverSeconds: 0 });
    const evs = await feed(gated.p, tone([[2, dB(-70)], [3, 0.9], [20, dB(-70)]]));
    const off = evs.find((e) => e.type === 'offset');
    expect(off).toBeDefined();
    expect((off as any).event.end).toBeLessThan(7); // not at the stream's end (25 s)
  });

  it('gates Wav2Vec2 windows too', async () => {
    const plain = pipeline(undefined, true);
    const gated = pipeline({ thresholdDb: -50, hangoverSeconds: 2 }, true);
    expect(onsets(await feed(gated.p, x))).toEqual(onsets(await feed(plain.p, x)));
    expect(gated.calls.wav2vec2).toBeLessThan(plain.calls.wav2vec2 / 2);
  });

  it('without a gate, every window is analysed (clip analysis)', async () => {
    const plain = pipeline();
    await feed(plain.p, x);
    expect(plain.p.gateStats).toBeNull();
    expect(plain.calls.yamnet).toBe(Math.floor((x.length - 15600) / 8000) + 2);
  });
});

describe('level gate and cascade options', () => {
  it('have documented defaults', () => {
    const o = resolveOptions({});
    expect(o.levelGateDb).toBe(-50);
    expect(o.levelGateHangoverSeconds).toBe(5);
    expect(o.cascade).toBe(true);
    expect(typeof o.levelGate).toBe('boolean');
  });

  it('reject bad values, naming the option', () => {
    const bad = (v: object, re: RegExp) => {
      expect(() => resolveOptions(v as never)).toThrow(OptionsError);
      expect(() => resolveOptions(v as never)).toThrow(re);
    };
    bad({ levelGate: 'yes' }, /levelGate must be true or false/);
    bad({ levelGateDb: 3 }, /levelGateDb must be between -120 and 0/);
    bad({ levelGateDb: -121 }, /levelGateDb must be between/);
    bad({ levelGateDb: NaN }, /levelGateDb must be a finite number/);
    bad({ levelGateHangoverSeconds: -1 }, /levelGateHangoverSeconds must be between 0 and 600/);
    bad({ levelGateHangoverSeconds: '5' }, /levelGateHangoverSeconds must be a finite number/);
    bad({ cascade: 1 }, /cascade must be true or false/);
    expect(resolveOptions({ levelGate: true, levelGateDb: -60, levelGateHangoverSeconds: 0, cascade: false })).toMatchObject({ levelGate: true, levelGateDb: -60, levelGateHangoverSeconds: 0, cascade: false });
  });
});
