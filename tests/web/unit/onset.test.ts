import { describe, expect, it } from 'vitest';
import { acousticOnset } from '../../../web/bench/onset.mjs';

const SR = 16000;
function signal(parts: [seconds: number, amplitude: number][]): Float32Array {
  const n = parts.reduce((a, [s]) => a + Math.round(s * SR), 0);
  const x = new Float32Array(n);
  let o = 0;
  for (const [s, a] of parts) {
    for (let i = 0; i < Math.round(s * SR); i++) x[o + i] = a * Math.sin((2 * Math.PI * 440 * i) / SR);
    o += Math.round(s * SR);
  }
  return x;
}

describe('acousticOnset (benchmark latency reference)', () => {
  it('finds the first frame within 20 dB of the loudest one', () => {
    // 0.7 s silence, 0.5 s at −26 dB (a faint lead-in), then the cry at full level.
    const x = signal([[0.7, 0], [0.5, 0.05], [1.0, 1]]);
    expect(acousticOnset(x, SR)).toBeCloseTo(1.2, 6);
    // At 30 dB below the peak the faint part counts as the start.
    expect(acousticOnset(x, SR, { belowPeakDb: 30 })).toBeCloseTo(0.7, 6);
  });
  it('is 0 for a clip that starts loud, for silence and for a clip shorter than a frame', () => {
    expect(acousticOnset(signal([[1, 0.5]]), SR)).toBe(0);
    expect(acousticOnset(new Float32Array(SR), SR)).toBe(0);
    expect(acousticOnset(signal([[0.05, 1]]), SR)).toBe(0);
  });
  it('rejects nonsense parameters', () => {
    expect(() => acousticOnset(new Float32Array(10), 0)).toThrow(RangeError);
    expect(() => acousticOnset(new Float32Array(10), SR, { belowPeakDb: -1 })).toThrow(RangeError);
  });
});
