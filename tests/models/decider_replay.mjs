// Replays window-probability sequences through the WASM Decider (as the browser runs it) and prints the
// update indices that emitted an onset, per case. Used by test_decider_replica.py to keep the Python
// replica that chooses the shipped thresholds (models/cryscope_models/decider_replica.py) in step with it.
// stdin: {"hop": s, "cases": [{"cry": [...], "scream": [...], "on": p, "off": p, "alpha": a,
//          "min_duration_s": s, "cooldown_s": s}]}   stdout: {"cry": [[i...]...], "scream": [[i...]...]}
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const mjs = join(process.env.CRYSCOPE_WASM_DIST ?? join(root, 'wasm/dist'), 'cryscope_core.mjs');
const core = await (await import(mjs)).default();
const input = JSON.parse(readFileSync(0, 'utf8'));
const out = { cry: [], scream: [] };
for (const c of input.cases) {
  const d = new core.Decider({
    fusion: { default: 'weighted_mean', weights: [1, 0] },
    smoothing: { method: 'ema', alpha: c.alpha },
    thresholds: { cry: { on: c.on, off: c.off }, scream: { on: c.on, off: c.off } },
    minDurationSeconds: c.min_duration_s,
    cooldownSeconds: c.cooldown_s,
  });
  const hits = { cry: [], scream: [] };
  c.cry.forEach((p, i) => {
    const s = c.scream[i];
    const u = d.update({ time: i * input.hop, yamnet: [p, s, Math.max(0, 1 - p - s)] });
    for (const e of u.events) if (e.type === 'onset') hits[e.label].push(i);
  });
  d.delete();
  out.cry.push(hits.cry);
  out.scream.push(hits.scream);
}
process.stdout.write(JSON.stringify(out));
