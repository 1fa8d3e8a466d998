// The defaults every entry point runs with are the same: the browser package (see
// tests/e2e/demo.e2e.ts, "runs with the same default settings as Node"), cryscope/node, the CLI and
// the server's clip classifier all get them from OPTIONS (web/src/options.ts) and the model
// manifest — nothing else. Real core, real models.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { classifierOptions, parseArgs } from '../../../web/src/cli/args.js';
import { checkManifest } from '../../../web/src/manifest.js';
import { defaultModelsDir, loadClassifier, type Classifier, type DetectionSettings } from '../../../web/src/node/index.js';
import { detectionSettings, resolveOptions } from '../../../web/src/options.js';

// The server loads the published entry `cryscope/node` (web/dist); record what it loaded.
const serverLoaded = vi.hoisted(() => [] as { settings: unknown; dispose(): Promise<void> }[]);
vi.mock('cryscope/node', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../web/src/node/index.js')>();
  return {
    ...real,
    loadClassifier: async (o: Parameters<typeof real.loadClassifier>[0]) => {
      const c = await real.loadClassifier(o);
      serverLoaded.push(c);
      return c;
    },
  };
});

const loaded: Classifier[] = [];
afterAll(async () => {
  for (const c of [...loaded, ...serverLoaded]) await c.dispose();
});

describe('default settings', () => {
  it('are the same in cryscope/node, the CLI and the server clip classifier: the declaration + the manifest', async () => {
    const manifest = checkManifest(JSON.parse(readFileSync(join(defaultModelsDir(), 'manifest.json'), 'utf8')));
    const expected: DetectionSettings = detectionSettings(manifest, resolveOptions({}));
    // The shipped model's own numbers, not the core's defaults (2 s window, 1 s minimum episode).
    expect(expected.wav2vec2WindowSeconds).toBe(manifest.models.wav2vec2!.window_samples / 16000);
    expect(expected.minDurationSeconds).toBe(manifest.events.min_duration_s);

    const node = await loadClassifier();
    loaded.push(node);
    expect(node.settings).toEqual(expected);

    const cli = await loadClassifier(classifierOptions(parseArgs(['classify', 'clip.wav']) as Parameters<typeof classifierOptions>[0]));
    loaded.push(cli);
    expect(cli.settings).toEqual(expected);

    const { loadClipClassifier } = await import('../../../server/src/clips/classify.js');
    await loadClipClassifier();
    expect(serverLoaded).toHaveLength(1);
    expect(serverLoaded[0].settings).toEqual(expected);
  });
});
