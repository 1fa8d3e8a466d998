// The model-worker role (see models/remote.ts): ONNX Runtime and one Wav2Vec2 session, nothing
// else; the pipeline worker sends it windows and gets probabilities back.
import { createSession } from './engine-loader.js';
import { fetchAsset, ModelDownloadError } from './models/fetch.js';
import { wav2vec2Fn } from './models/onnx.js';
import { serveModel, type FromModelWorker, type ToModelWorker } from './models/remote.js';
import { configureOrt, ort } from './ort-browser.js';

type Post = (m: FromModelWorker, transfer?: Transferable[]) => void;

/** Handles the messages of one model worker; `post` answers the pipeline worker. */
export function modelWorker(post: Post): (m: ToModelWorker) => void {
  let serve: ((m: Extract<ToModelWorker, { type: 'run' }>) => Promise<void>) | null = null;
  let serving = Promise.resolve();

  async function init(m: Extract<ToModelWorker, { type: 'init-model' }>): Promise<void> {
    try {
      configureOrt(m.ortMjs, m.ortWasm, 1);
      const bytes = await fetchAsset(m.url, m.asset, { sha256: m.sha256, cache: m.cache, onProgress: (progress) => post({ type: 'model-progress', progress }) });
      serve = serveModel(wav2vec2Fn(ort, await createSession(ort, bytes)), post);
      post({ type: 'model-ready' });
    } catch (e) {
      post({ type: 'model-failed', message: e instanceof Error ? e.message : String(e), download: e instanceof ModelDownloadError });
    }
  }

  return (m) => {
    if (m.type === 'init-model') void init(m);
    // one run at a time, in arrival order
    else serving = serving.then(() => serve?.(m));
  };
}
