import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { OPTION_KEYS, OPTIONS, MANIFEST_OPTIONS, OptionsError, detectionSettings, optionsMarkdownTable, resolveOptions } from '../../../web/src/options.js';
import { checkManifest, parseClassMap, splitCsvLine } from '../../../web/src/manifest.js';
import { deciderConfig, frontEndConfig } from '../../../web/src/engine.js';

const entry = (file: string, window: number) => ({ file, sha256: 'a'.repeat(64), bytes: 1, input: { name: 'x', shape: [-1] }, window_samples: window, hop_samples: 8000 });
const manifest = {
  name: 'cryscope-models', version: '1', labels: ['cry', 'scream', 'normal'], sample_rate: 16000,
  models: { yamnet: entry('yamnet.onnx', 15600), wav2vec2: entry('wav2vec2.onnx', 16000) },
  fusion: { default: 'logistic' }, thresholds: { cry: { on: 0.6, off: 0.4 }, scream: { on: 0.7, off: 0.3 } },
  smoothing: { method: 'ema', alpha: 0.5 }, events: { min_duration_s: 0, cooldown_s: 2 },
  clip_summary: { rule: 'top_alarm_mean', windows: 3 },
};

describe('resolveOptions', () => {
  it('fills documented defaults; model-dependent ones are left to the manifest', () => {
    const o = resolveOptions();
    expect(o.models).toEqual(['yamnet', 'wav2vec2']);
    for (const k of MANIFEST_OPTIONS) expect(o[k], k).toBeUndefined();
    expect(MANIFEST_OPTIONS).toEqual(['yamnetHopSeconds', 'wav2vec2WindowSeconds', 'wav2vec2HopSeconds', 'fusionMethod', 'thresholds', 'smoothing', 'minDurationSeconds', 'cooldownSeconds']);
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
  it('derives the detection settings: user options override the manifest, the rest is the manifest\'s', () => {
    const m = checkManifest(manifest);
    const s = detectionSettings(m, resolveOptions({ thresholds: { cry: { on: 0.8, off: 0.5 } }, fusionMethod: 'mean' }));
    expect(s.fusionMethod).toBe('mean');
    expect(s.thresholds).toEqual({ cry: { on: 0.8, off: 0.5 }, scream: { on: 0.7, off: 0.3 } });
    expect(detectionSettings(m, resolveOptions())).toEqual({
      yamnetWindowSeconds: 0.975, yamnetHopSeconds: 0.5, wav2vec2WindowSeconds: 1, wav2vec2HopSeconds: 0.5,
      fusion: { default: 'logistic' }, fusionMethod: 'logistic', thresholds: manifest.thresholds, smoothing: manifest.smoothing,
      minDurationSeconds: 0, cooldownSeconds: 2, clipTopWindows: 3,
    });
    // A user window longer than the manifest's hop, a user hop longer than the manifest's window: checked combined.
    expect(() => detectionSettings({ ...m, models: { ...m.models, wav2vec2: entry('w', 16000 * 1) } }, resolveOptions({ wav2vec2HopSeconds: 1.5 }))).toThrow(/must not exceed wav2vec2WindowSeconds \(1\) \(options and model manifest combined\)/);
  });

  // The minimum episode was 0 s in the model build but 1.0 s in manifest.ts's fallback (and the
  // core's default); the Wav2Vec2 window 1 s in options.ts but 2 s in the core: a manifest without a
  // setting now fails naming it, and nothing falls back to a number of the package's.
  it('fails loudly, naming the field, when a model-dependent setting is missing from the manifest', () => {
    const drop: Record<string, (m: any) => void> = {
      'models.yamnet.hop_samples': (m) => delete m.models.yamnet.hop_samples,
      'models.wav2vec2.window_samples': (m) => delete m.models.wav2vec2.window_samples,
      'models.wav2vec2.hop_samples': (m) => delete m.models.wav2vec2.hop_samples,
      'fusion.default': (m) => delete m.fusion.default,
      thresholds: (m) => delete m.thresholds,
      smoothing: (m) => delete m.smoothing,
      'events.min_duration_s': (m) => delete m.events.min_duration_s,
      'events.cooldown_s': (m) => delete m.events.cooldown_s,
    };
    expect(Object.keys(drop).sort()).toEqual(MANIFEST_OPTIONS.map((k) => (OPTIONS[k].default as { field: string }).field).sort());
    for (const [field, del] of Object.entries(drop)) {
      const m = structuredClone(manifest);
      del(m);
      expect(() => checkManifest(m), field).toThrow(new RegExp(`model manifest is invalid: .*model manifest ${field.replace(/\./g, '\\.')} is missing`));
    }
    expect(() => checkManifest({ ...manifest, events: { min_duration_s: -1, cooldown_s: 2 } })).toThrow(/model manifest events.min_duration_s must be between 0 and 60/);
    expect(() => checkManifest({ ...manifest, thresholds: { cry: { on: 0.5, off: 0.2 } } })).toThrow(/thresholds needs both cry and scream/);
    expect(() => checkManifest({ ...manifest, smoothing: { method: 'ema' } })).toThrow(/model manifest smoothing.alpha is missing/);
    expect(() => checkManifest({ ...manifest, models: { ...manifest.models, yamnet: entry('y', 16000) } })).toThrow(/window_samples must be 15600/);
  });

  it('gives the core every setting explicitly (its own defaults never apply) under the names the core declares and accepts', () => {
    const s = detectionSettings(checkManifest(manifest), resolveOptions());
    const fe = frontEndConfig(s, 48000, ['yamnet', 'wav2vec2']);
    const dec = deciderConfig(s);
    const dts = readFileSync(new URL('../../../wasm/cryscope_core.d.ts', import.meta.url), 'utf8');
    const declared = (name: string) => [...dts.slice(dts.indexOf(`export interface ${name} {`)).split('\n}')[0].matchAll(/^  (\w+)\??:/gm)].map((x) => x[1]).sort();
    expect(Object.keys(fe).sort()).toEqual(declared('StreamFrontEndOptions').filter((k) => k !== 'maxPendingSeconds'));
    expect(Object.keys(dec).sort()).toEqual(declared('DeciderOptions'));
    for (const v of [...Object.values(fe), ...Object.values(dec)]) expect(v).not.toBeUndefined();
    // ... and the bindings accept exactly those names (a renamed key would be rejected at run time).
    const bind = readFileSync(new URL('../../../wasm/src/bind_stream.cpp', import.meta.url), 'utf8');
    const accepted = [...bind.slice(bind.indexOf('reject_unknown_keys')).split(');')[0].matchAll(/"(\w+)"/g)].map((x) => x[1]).filter((k) => k !== 'options').sort();
    expect(accepted).toEqual(declared('StreamFrontEndOptions'));
    expect(fe.wav2vec2WindowSeconds).toBe(1);
    expect(dec.minDurationSeconds).toBe(0);
  });

  it('documents every option in web/README.md exactly as declared (regenerate: UPDATE_DOCS=1)', () => {
    const readme = new URL('../../../web/README.md', import.meta.url);
    const text = readFileSync(readme, 'utf8');
    const begin = '<!-- options table: generated from OPTIONS in web/src/options.ts -->';
    const end = '<!-- end of options table -->';
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    expect(i, 'README markers').toBeGreaterThan(0);
    const want = `${begin}\n${optionsMarkdownTable()}\n${end}`;
    if (process.env.UPDATE_DOCS) writeFileSync(readme, text.slice(0, i) + want + text.slice(j + end.length));
    expect(text.slice(i, j + end.length)).toBe(want);
    for (const k of OPTION_KEYS) expect(want).toContain(`| \`${k}\` |`);
  });

  it('rejects a manifest with wrong labels or missing sha256', () => {
    expect(() => checkManifest({ ...manifest, labels: ['a', 'b', 'c'] })).toThrow(/labels/);
    expect(() => checkManifest({ ...manifest, models: { yamnet: { file: 'x' } } })).toThrow(/sha256/);
    // the clip rule has no fallback: an older manifest without it is refused, not guessed
    const { clip_summary: _, ...old } = manifest;
    expect(() => checkManifest(old)).toThrow(/clip_summary/);
    expect(() => checkManifest({ ...manifest, clip_summary: { rule: 'mean', windows: 3 } })).toThrow(/clip_summary/);
    expect(() => checkManifest({ ...manifest, clip_summary: { rule: 'top_alarm_mean', windows: 0 } })).toThrow(/clip_summary/);
    expect(() => checkManifest('x')).toThrow(/not a JSON object/);
  });

  it('parses the AudioSet class map with quoted names', () => {
    const names = parseClassMap('index,mid,display_name\n0,/m/09x0r,Speech\n20,/m/0463cq4,"Baby cry, infant cry"\n');
    expect(names).toEqual(['Speech', 'Baby cry, infant cry']);
    expect(splitCsvLine('a,"b ""c""",d')).toEqual(['a', 'b "c"', 'd']);
  });
});
