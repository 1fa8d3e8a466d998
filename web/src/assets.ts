// URLs of the package's runtime files. Written as literal `new URL('./file?no-inline', import.meta.url)` so
// bundlers (Vite, webpack, Rollup) see and copy each file with zero configuration; with a plain
// <script type="module"> they resolve next to index.js.
export interface AssetUrls {
  worker: string;
  worklet: string;
  coreMjs: string;
  coreWasm: string;
  ortMjs: string;
  ortWasm: string;
  /** Model files by file name, plus 'manifest.json'. */
  models: Record<string, string>;
}

export function defaultAssets(base?: string): AssetUrls {
  if (base) {
    const u = (p: string) => new URL(p, new URL(base, typeof location !== 'undefined' ? location.href : undefined)).href;
    return {
      worker: u('worker.js'), worklet: u('worklet.js'),
      coreMjs: u('core/cryscope_core.mjs'), coreWasm: u('core/cryscope_core.wasm'),
      ortMjs: u('ort/ort-wasm-simd-threaded.mjs'), ortWasm: u('ort/ort-wasm-simd-threaded.wasm'),
      models: {
        'manifest.json': u('models/manifest.json'), 'yamnet.int8.onnx': u('models/yamnet.int8.onnx'),
        'wav2vec2.int8.onnx': u('models/wav2vec2.int8.onnx'), 'yamnet_class_map.csv': u('models/yamnet_class_map.csv'),
      },
    };
  }
  return {
    worker: new URL('./worker.js?no-inline', import.meta.url).href,
    worklet: new URL('./worklet.js?no-inline', import.meta.url).href,
    coreMjs: new URL('./core/cryscope_core.mjs?no-inline', import.meta.url).href,
    coreWasm: new URL('./core/cryscope_core.wasm?no-inline', import.meta.url).href,
    ortMjs: new URL('./ort/ort-wasm-simd-threaded.mjs?no-inline', import.meta.url).href,
    ortWasm: new URL('./ort/ort-wasm-simd-threaded.wasm?no-inline', import.meta.url).href,
    models: {
      'manifest.json': new URL('./models/manifest.json?no-inline', import.meta.url).href,
      'yamnet.int8.onnx': new URL('./models/yamnet.int8.onnx?no-inline', import.meta.url).href,
      'wav2vec2.int8.onnx': new URL('./models/wav2vec2.int8.onnx?no-inline', import.meta.url).href,
      'yamnet_class_map.csv': new URL('./models/yamnet_class_map.csv?no-inline', import.meta.url).href,
    },
  };
}
