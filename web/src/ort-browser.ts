// ONNX Runtime Web in the package's workers: the WASM backend only, served from our own origin.
import * as ort from 'onnxruntime-web/wasm';

export { ort };

/** ONNX Runtime's WASM from our origin (never a CDN), SIMD on, quiet; the same in both worker roles. */
export function configureOrt(mjs: string, wasm: string, threads: number): void {
  ort.env.wasm.wasmPaths = { mjs, wasm } as unknown as string;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
}
