// Every bad input reaches JS as an Error with a useful message — never an abort — and the module
// (and the object) keeps working afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CryscopeCore } from '../../wasm/cryscope_core';
import { loadCore, tone } from './helpers';

let core: CryscopeCore;
beforeAll(async () => {
  core = await loadCore();
});

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('Resampler errors', () => {
  it('rejects unsupported and non-numeric rates', () => {
    for (const rate of [4000, 100000, 44100.5, NaN, 0, -48000]) {
      expect(thrown(() => new core.Resampler(rate)).message).toMatch(/8000, 96000|rate/i);
    }
    expect(thrown(() => new (core.Resampler as any)('48000')).message).toMatch(/number/);
  });

  it('rejects NaN/Inf chunks whole and keeps its state', () => {
    const good = tone(48000, 0.25);
    const ref = new core.Resampler(48000);
    const expected = [ref.process(good), ref.process(good)];
    const r = new core.Resampler(48000);
    const a = r.process(good);
    const bad = good.slice();
    bad[100] = NaN;
    expect(thrown(() => r.process(bad)).message).toMatch(/sample 100 .* NaN/);
    bad[100] = Infinity;
    expect(thrown(() => r.process(bad)).message).toMatch(/Inf/);
    const b = r.process(good);  // continues as if the bad chunks never came
    expect(Array.from(a)).toEqual(Array.from(expected[0]));
    expect(Array.from(b)).toEqual(Array.from(expected[1]));
    r.delete();
    ref.delete();
  });

  it('rejects non-arrays and oversized requests', () => {
    const r = new core.Resampler(48000);
    expect(thrown(() => r.process(42 as any)).message).toMatch(/Float32Array/);
    expect(thrown(() => r.process(null as any)).message).toMatch(/Float32Array/);
    expect(thrown(() => r.inputBuffer(2 ** 30)).message).toMatch(/exceeds the limit/);
    expect(thrown(() => r.process(new Float32Array(2 ** 26 + 1))).message).toMatch(/split the input/);
    expect(thrown(() => r.processInput(10)).message).toMatch(/exceeds the inputBuffer/);
    expect(r.process(new Float32Array(0)).length).toBe(0);  // empty is fine
    r.delete();
  });
});

describe('log-mel errors', () => {
  it('rejects NaN audio with the index', () => {
    const x = tone(16000, 1);
    x[1234] = NaN;
    expect(thrown(() => core.logMel(x)).message).toMatch(/1234/);
    expect(thrown(() => core.logMelPatches(x)).message).toMatch(/1234/);
  });
  it('rejects non-arrays', () => {
    expect(thrown(() => core.logMel('abc' as any)).message).toMatch(/Float32Array/);
  });
});

describe('Decider errors', () => {
  it('rejects malformed fusion JSON and bad options with the path', () => {
    const cases: [unknown, RegExp][] = [
      [{ fusion: '{not json' }, /fusion JSON: not valid JSON/],
      [{ fusion: { default: 'logistic' } }, /logistic/],
      [{ fusion: { logistic: { coef: [[1, 2]], intercept: [0, 0, 0] } } }, /fusion\.logistic\.coef/],
      [{ fusion: { weights: [NaN, 1] } }, /fusion\.weights\[0\]/],  // JSON turns NaN into null
      [{ method: 'best' }, /options\.method/],
      [{ smoothing: { method: 'ema', alpha: 2 } }, /smoothing\.alpha/],
      [{ smoothing: { method: 'median', size: 4 } }, /smoothing\.size/],
      [{ thresholds: { cry: { on: 0.3, off: 0.5 } } }, /thresholds\.cry\.off/],
      [{ minDurationSecs: 1 }, /unknown option "minDurationSecs"/],
      [{ cooldownSeconds: -1 }, /cooldownSeconds/],
      ['options', /must be an object/],
    ];
    for (const [opts, re] of cases) {
      expect(thrown(() => new core.Decider(opts as any)).message).toMatch(re);
    }
  });

  it('rejects bad updates without changing state', () => {
    const d = new core.Decider({ smoothing: { method: 'ema', alpha: 0.5 }, minDurationSeconds: 0 });
    const ref = new core.Decider({ smoothing: { method: 'ema', alpha: 0.5 }, minDurationSeconds: 0 });
    const p = new Float32Array([0.2, 0.2, 0.6]);
    d.update({ time: 0, yamnet: p });
    ref.update({ time: 0, yamnet: p });
    const bad: [unknown, RegExp][] = [
      [{ time: 1, yamnet: [NaN, 0.5, 0.5] }, /yamnet probability for "cry" is NaN/],
      [{ time: 1, wav2vec2: [0.9, 0.9, 0.9] }, /sum to/],
      [{ time: 1, yamnet: [0.5, 0.5] }, /expected 3 probabilities/],
      [{ time: 1, yamnet: 'x' }, /expected an array of 3/],
      [{ time: 1, yamnet: null, wav2vec2: null }, /at least one model/],
      [{ time: -1, yamnet: p }, /backwards/],
      [{ time: 'now', yamnet: p }, /time must be a number/],
      [{ time: NaN, yamnet: p }, /finite/],
      [undefined, /expected \{ time, yamnet, wav2vec2 \}/],
    ];
    for (const [input, re] of bad) {
      expect(thrown(() => d.update(input as any)).message).toMatch(re);
    }
    expect(thrown(() => d.flush(-5)).message).toMatch(/backwards/);
    const q = new Float32Array([0.9, 0.05, 0.05]);
    expect(d.update({ time: 1, yamnet: q })).toEqual(ref.update({ time: 1, yamnet: q }));
    d.delete();
    ref.delete();
  });
});
