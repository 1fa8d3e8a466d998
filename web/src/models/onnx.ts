// Wraps ONNX Runtime sessions as the pipeline's model functions (same code in the Worker and Node).
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { Wav2vec2Fn, YamnetFn, YamnetOutput } from '../pipeline.js';

type Ort = { Tensor: typeof Tensor };

// ORT-web's WASM backend does not support overlapping run() calls on one session; live audio and a
// clip analysis can ask at the same time, so runs are queued per session.
const queues = new WeakMap<InferenceSession, Promise<unknown>>();
function serial<T>(session: InferenceSession, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(session) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  queues.set(session, next.catch(() => undefined));
  return next;
}

/**
 * YAMNet: patches [N,96,64] → probs [N,3] and AudioSet scores [N,521]. One patch per run: the int8
 * graph quantises activations with one scale per run, so in a batch a patch's result would depend
 * on its batch-mates (and differ from the models' evaluation, which also runs one at a time).
 * Batching saved <5% per patch anyway.
 */
export function yamnetFn(ort: Ort, session: InferenceSession, inputName = 'patches', withScores = true): YamnetFn {
  return async (patches) => {
    for (const p of patches) if (p.length !== 96 * 64) throw new Error(`YAMNet patch has ${p.length} values, expected 6144 (96×64)`);
    const fetches = withScores ? ['probs', 'scores'] : ['probs'];
    const res: YamnetOutput[] = [];
    for (const x of patches) {
      // The core's own array goes to ORT as is, no copy.
      const out = await serial(session, () => session.run({ [inputName]: new ort.Tensor('float32', x, [1, 96, 64]) }, fetches));
      res.push({ probs: (out.probs.data as Float32Array).slice(0, 3), scores: withScores ? (out.scores.data as Float32Array).slice(0, 521) : undefined });
      for (const t of Object.values(out)) (t as Tensor).dispose?.();
    }
    return res;
  };
}

/**
 * Wav2Vec2: normalised waveforms [N,T] → probs [N,3]. One window per run, like YAMNet: the int8 graph's
 * activation scales are per run, so a window's result must not depend on the others in its batch
 * (the models' evaluation runs one at a time too).
 */
export function wav2vec2Fn(ort: Ort, session: InferenceSession, inputName = 'input_values'): Wav2vec2Fn {
  return async (waves) => {
    const results: Float32Array[] = [];
    for (const x of waves) {
      if (x.length < 400) throw new Error(`Wav2Vec2 window too short (${x.length} samples)`);
      // The caller's array goes to ORT as is, no copy.
      const out = await serial(session, () => session.run({ [inputName]: new ort.Tensor('float32', x, [1, x.length]) }, ['probs']));
      results.push((out.probs.data as Float32Array).slice(0, 3));
      out.probs.dispose?.();
    }
    return results;
  };
}
