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

/** YAMNet: patches [N,96,64] → probs [N,3] and AudioSet scores [N,521]. */
export function yamnetFn(ort: Ort, session: InferenceSession, inputName = 'patches', withScores = true): YamnetFn {
  return async (patches) => {
    if (patches.length === 0) return [];
    const n = patches.length;
    for (const p of patches) if (p.length !== 96 * 64) throw new Error(`YAMNet patch has ${p.length} values, expected 6144 (96×64)`);
    // One patch (the usual live case): hand the core's own array to ORT, no copy.
    const x = n === 1 ? patches[0] : new Float32Array(n * 6144);
    if (n > 1) patches.forEach((p, i) => x.set(p, i * 6144));
    const fetches = withScores ? ['probs', 'scores'] : ['probs'];
    const out = await serial(session, () => session.run({ [inputName]: new ort.Tensor('float32', x, [n, 96, 64]) }, fetches));
    const probs = out.probs.data as Float32Array;
    const scores = withScores ? (out.scores.data as Float32Array) : undefined;
    const res: YamnetOutput[] = [];
    for (let i = 0; i < n; i++) res.push({ probs: probs.slice(i * 3, i * 3 + 3), scores: scores?.slice(i * 521, i * 521 + 521) });
    for (const t of Object.values(out)) (t as Tensor).dispose?.();
    return res;
  };
}

/** Wav2Vec2: normalised waveforms [N,T] → probs [N,3]. Windows of equal length are batched together. */
export function wav2vec2Fn(ort: Ort, session: InferenceSession, inputName = 'input_values'): Wav2vec2Fn {
  return async (waves) => {
    const results: Float32Array[] = new Array(waves.length);
    const groups = new Map<number, number[]>();
    waves.forEach((w, i) => groups.set(w.length, [...(groups.get(w.length) ?? []), i]));
    for (const [len, idx] of groups) {
      if (len < 400) throw new Error(`Wav2Vec2 window too short (${len} samples)`);
      // One window of this length (the usual live case): no copy.
      const x = idx.length === 1 ? waves[idx[0]] : new Float32Array(idx.length * len);
      if (idx.length > 1) idx.forEach((wi, j) => x.set(waves[wi], j * len));
      const out = await serial(session, () => session.run({ [inputName]: new ort.Tensor('float32', x, [idx.length, len]) }, ['probs']));
      const p = out.probs.data as Float32Array;
      idx.forEach((wi, j) => { results[wi] = p.slice(j * 3, j * 3 + 3); });
      out.probs.dispose?.();
    }
    return results;
  };
}
