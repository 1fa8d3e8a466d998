import { describe, expect, it } from 'vitest';
import { OptionsError, resolveOptions } from '../../../web/src/options.js';
import { deciderConfig, checkManifest, parseClassMap, splitCsvLine } from '../../../web/src/manifest.js';

const manifest = {
  name: 'cryscope-models', version: '1', labels: ['cry', 'scream', 'normal'], sample_rate: 16000,
  models: { yamnet: { file: 'yamnet.onnx', sha256: 'a'.repeat(64), bytes: 1, input: { name: 'patches', shape: [-1, 96, 64] }, window_samples: 15600, hop_samples: 8000 } },
  fusion: { default: 'logistic' }, thresholds: { cry: { on: 0.6, off: 0.4 }, scream: { on: 0.7, off: 0.3 } },
  smoothing: { method: 'ema', alpha: 0.5 }, events: { min_duration_s: 1, cooldown_s: 2 },
};

describe('resolveOptions', () => {
  it('fills documented defaults', () => {
    const o = resolveOptions();
    expect(o.models).toEqual(['yamnet', 'wav2vec2']);
    expect(o.yamnetHopSeconds).toBe(0.5);
    expect(o.wav2vec2WindowSeconds).toBe(1);
    expect(o.wav2vec2Precision).toBe('int8');
    expect(o.verifySha256).toBe(true);
    expect(o.backendUrl).toBeUndefined();
    expect(o.topAudioSetLabels).toBe(3);
  });

  it('keeps the screen on and recovers by itself unless told not to; rejects non-booleans', () => {
    expect(resolveOptions()).toMatchObject({ keepScreenOn: true, autoRecover: true });
    expect(resolveOptions({ keepScreenOn: false, autoRecover: false })).toMatchObject({ keepScreenOn: false, autoRecover: false });
    expect(() => resolveOptions({ keepScreenOn: 'yes' as any, autoRecover: 1 as any })).toThrow(/keepScreenOn must be true or false[\s\S]*autoRecover must be true or false/);
  });

  it('lists every problem at once with the option name', () => {
    let err: OptionsError | undefined;
    try {
      resolveOptions({ yamnetHopSeconds: 0, thresholds: { cry: { on: 0.3, off: 0.5 } }, fusionMethod: 'max' as any, models: ['yamnet', 'clap' as any], colour: 1 } as any);
    } catch (e) { err = e as OptionsError; }
    expect(err).toBeInstanceOf(OptionsError);
    const text = err!.problems.join('\n');
    expect(text).toMatch(/yamnetHopSeconds must be between 0.1 and 0.975, got 0/);
    expect(text).toMatch(/thresholds.cry.off \(0.5\) must be below thresholds.cry.on \(0.3\)/);
    expect(text).toMatch(/fusionMethod must be one of/);
    expect(text).toMatch(/unknown model "clap"/);
    expect(text).toMatch(/unknown option "colour"/);
  });

  it('rejects bad types, ranges and inconsistent combinations', () => {
    expect(() => resolveOptions({ models: [] })).toThrow(/non-empty array/);
    expect(() => resolveOptions({ wav2vec2WindowSeconds: 20 })).toThrow(/between 1 and 15/);
    expect(() => resolveOptions({ wav2vec2WindowSeconds: 1, wav2vec2HopSeconds: 2 })).toThrow(/must not exceed/);
    expect(() => resolveOptions({ yamnetHopSeconds: NaN })).toThrow(/finite number/);
    expect(() => resolveOptions({ apiKey: 'k' })).toThrow(/backendUrl is not/);
    expect(() => resolveOptions({ backendUrl: 'http://[bad' })).toThrow(/not a valid URL/);
    expect(() => resolveOptions({ smoothing: { method: 'median', size: 4 } })).toThrow(/odd/);
    expect(() => resolveOptions({ thresholds: { cry: { on: 0.6 } } as any })).toThrow(/needs both on and off/);
    expect(() => resolveOptions({ verifySha256: 'yes' as any })).toThrow(/true or false/);
    expect(() => resolveOptions({ threads: 2.5 })).toThrow(/integer/);
    expect(() => resolveOptions(null as any)).toThrow(/must be an object/);
  });

  it('normalises folder URLs and keeps model order canonical', () => {
    const o = resolveOptions({ modelBaseUrl: '/models', models: ['wav2vec2', 'yamnet'], backendUrl: '/' });
    expect(o.modelBaseUrl).toBe('/models/');
    expect(o.models).toEqual(['yamnet', 'wav2vec2']);
  });
});

describe('manifest', () => {
  it('derives decider settings: user options override the manifest', () => {
    const m = checkManifest(manifest);
    const d = deciderConfig(m, resolveOptions({ thresholds: { cry: { on: 0.8, off: 0.5 } }, fusionMethod: 'mean' }));
    expect(d.method).toBe('mean');
    expect(d.thresholds.cry).toEqual({ on: 0.8, off: 0.5 });
    expect(d.thresholds.scream).toEqual({ on: 0.7, off: 0.3 });
    expect(d.minDurationSeconds).toBe(1);
    expect(deciderConfig(m, resolveOptions()).method).toBe('logistic');
  });

  it('rejects a manifest with wrong labels or missing sha256', () => {
    expect(() => checkManifest({ ...manifest, labels: ['a', 'b', 'c'] })).toThrow(/labels/);
    expect(() => checkManifest({ ...manifest, models: { yamnet: { file: 'x' } } })).toThrow(/sha256/);
    expect(() => checkManifest('x')).toThrow(/not a JSON object/);
  });

  it('parses the AudioSet class map with quoted names', () => {
    const names = parseClassMap('index,mid,display_name\n0,/m/09x0r,Speech\n20,/m/0463cq4,"Baby cry, infant cry"\n');
    expect(names).toEqual(['Speech', 'Baby cry, infant cry']);
    expect(splitCsvLine('a,"b ""c""",d')).toEqual(['a', 'b "c"', 'd']);
  });
});
