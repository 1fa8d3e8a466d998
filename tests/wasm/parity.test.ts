// WASM vs native: the same deterministic inputs through wasm/dist and through the native core
// (build/wasm-native/cryscope_native_dump) must give the same results.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CryscopeCore } from '../../wasm/cryscope_core';
import { loadCore, maxAbsDiff, nativeDump, readF32 } from './helpers';

let core: CryscopeCore;
let dump: { dir: string; index: any };

beforeAll(async () => {
  core = await loadCore();
  dump = nativeDump();
});

describe('Resampler parity (streamed in the native chunking)', () => {
  it('covers several rates', () => {
    expect(dump.index.resampler.map((c: any) => c.inputRate)).toEqual([48000, 44100, 8000, 22050, 16000]);
  });
  for (const i of [0, 1, 2, 3, 4]) {
    it(`case ${i}`, () => {
      const c = dump.index.resampler[i];
      const input = readF32(dump.dir, c.input);
      const expected = readF32(dump.dir, c.output);
      const r = new core.Resampler(c.inputRate);
      const parts: Float32Array[] = [];
      for (let k = 0; k < input.length; k += c.chunk) parts.push(r.process(input.subarray(k, k + c.chunk)));
      parts.push(r.flush());
      r.delete();
      const out = Float32Array.from(parts.flatMap((p) => Array.from(p)));
      expect(out.length).toBe(expected.length);
      expect(out.length).toBeGreaterThan(20000);
      expect(maxAbsDiff(out, expected)).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('YAMNet log-mel parity', () => {
  for (const name of ['logmel_short', 'logmel_long']) {
    it(name, () => {
      const c = dump.index.logMel.find((x: any) => x.name === name);
      const input = readF32(dump.dir, c.input);
      const lm = core.logMel(input);
      const expected = readF32(dump.dir, c.logMel);
      expect(lm.length).toBe(expected.length);
      expect(lm.length % 64).toBe(0);
      expect(maxAbsDiff(lm, expected)).toBeLessThanOrEqual(1e-4);
      const patches = core.logMelPatches(input);
      const expectedPatches = readF32(dump.dir, c.patches);
      expect(patches.length).toBe(expectedPatches.length);
      expect(patches.length % (96 * 64)).toBe(0);
      expect(patches.length).toBeGreaterThan(0);
      expect(maxAbsDiff(patches, expectedPatches)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('StreamFrontEnd parity (same chunking, pop after every push, flush)', () => {
  for (const name of ['stream_48k', 'stream_44k1', 'stream_16k_short']) {
    it(name, () => {
      const c = dump.index.stream.find((x: any) => x.name === name);
      const input = readF32(dump.dir, c.input);
      const expectedData = readF32(dump.dir, c.data);
      const fe = new core.StreamFrontEnd(c.options);
      const windows: { model: string; start: number; end: number; data: Float32Array }[] = [];
      const drain = () => {
        for (let w = fe.pop(); w; w = fe.pop()) windows.push(w);
      };
      for (let i = 0; i < input.length; i += c.chunk) {
        fe.push(input.subarray(i, i + c.chunk));
        drain();
      }
      fe.flush();
      drain();
      fe.delete();
      expect(windows.map((w) => [w.model, w.start, w.end, w.data.length])).toEqual(
        c.windows.map((w: any) => [w.model, w.start, w.end, w.length]));
      expect(windows.some((w) => w.model === 'yamnet')).toBe(true);
      expect(windows.some((w) => w.model === 'wav2vec2')).toBe(true);
      let offset = 0;
      let worst = 0;
      for (const w of windows) {
        worst = Math.max(worst, maxAbsDiff(w.data, expectedData.subarray(offset, offset + w.data.length)));
        offset += w.data.length;
      }
      expect(offset).toBe(expectedData.length);
      expect(worst).toBeLessThanOrEqual(1e-4);  // log-mel patches and normalised audio
    });
  }
});

describe('normalizeWav2Vec2 parity', () => {
  it('matches native', () => {
    const c = dump.index.normalize;
    const out = core.normalizeWav2Vec2(readF32(dump.dir, c.input));
    expect(maxAbsDiff(out, readF32(dump.dir, c.output))).toBeLessThanOrEqual(1e-6);
  });
});

describe('Decider parity', () => {
  it('has three configurations', () => expect(dump.index.decider.length).toBe(3));
  for (const i of [0, 1, 2]) {
    it(`case ${i}: fused, smoothed and events match native`, () => {
      const c = dump.index.decider[i];
      const d = new core.Decider(c.options);
      let events = 0;
      for (const u of c.updates) {
        const out = d.update({
          time: u.time,
          yamnet: u.yamnet ? Float32Array.from(u.yamnet) : null,
          wav2vec2: u.wav2vec2 ? Float32Array.from(u.wav2vec2) : null,
        });
        expect(maxAbsDiff(out.fused, u.fused)).toBeLessThanOrEqual(1e-9);
        expect(maxAbsDiff(out.smoothed, u.smoothed)).toBeLessThanOrEqual(1e-9);
        expect(out.models).toEqual([...(u.yamnet ? ['yamnet'] : []), ...(u.wav2vec2 ? ['wav2vec2'] : [])]);
        expect(out.degraded).toBe(!(u.yamnet && u.wav2vec2));
        expect(out.events.length).toBe(u.events.length);
        out.events.forEach((e, k) => {
          const n = u.events[k];
          expect([e.type, e.label, e.start, e.end]).toEqual([n.type, n.label, n.start, n.end]);
          expect(e.peak).toBeCloseTo(n.peak, 9);
          expect(e.mean).toBeCloseTo(n.mean, 9);
        });
        events += out.events.length;
      }
      expect(events).toBeGreaterThan(0);  // the scenario really exercises the event path
      const fl = d.flush(c.flushTime);
      expect(fl.map((e) => [e.type, e.label, e.start, e.end])).toEqual(
        c.flush.map((e: any) => [e.type, e.label, e.start, e.end]));
      d.delete();
    });
  }
});
