// The package's Worker file (dist/worker.js). It has two roles, each its own module:
//   * pipeline worker (pipeline-worker.ts): core, models, pipeline — started by CryDetector;
//   * model worker (model-worker.ts): one Wav2Vec2 session — started by the pipeline worker when
//     options.parallelModels, with an 'init-model' message.
// Both roles live in one shipped file on purpose: bundlers find one `new URL('./worker.js', …)`
// (assets.ts) and there is no second file to copy. The first message decides the role.
import type { ToWorker } from './messages.js';
import { modelWorker } from './model-worker.js';
import type { ToModelWorker } from './models/remote.js';
import { PipelineWorker } from './pipeline-worker.js';

const scope = self as unknown as Worker;
const post = (m: unknown, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
let model: ((m: ToModelWorker) => void) | null = null;
let pipeline: PipelineWorker | null = null;

scope.onmessage = (ev: MessageEvent<ToWorker | ToModelWorker>) => {
  const m = ev.data;
  if (m.type === 'init-model' || m.type === 'run') {
    model ??= modelWorker(post);
    model(m);
  } else {
    pipeline ??= new PipelineWorker(post);
    void pipeline.handle(m);
  }
};
