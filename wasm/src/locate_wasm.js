// Runs inside the factory before the .wasm is loaded (--pre-js): makes loading work in every
// environment we support, without post-link edits of Emscripten 3.1.6's output.
//  * Node: 3.1.6 would either build a file:// URL string that fs.readFileSync cannot open, or
//    (Node ≥ 18 has a global fetch) call fetch() on a filesystem path, which Node rejects. So read
//    the .wasm ourselves, synchronously, from next to this module (or from the caller's
//    locateFile: path or file:// URL) and hand it over as wasmBinary.
//  * AudioWorkletGlobalScope: has neither URL nor fetch. Without a locateFile, 3.1.6 evaluates
//    `new URL('cryscope_core.wasm', import.meta.url)` at startup (ReferenceError), so give it a
//    trivial locateFile; the bytes must come as wasmBinary (transfer them via processorOptions).
// A caller-supplied wasmBinary always wins.
if (typeof process === 'object' && process && process.versions && process.versions.node && !Module['wasmBinary']) {
  var cryscopeWasmPath = Module['locateFile']
    ? Module['locateFile']('cryscope_core.wasm', __dirname + '/')
    : __dirname + '/cryscope_core.wasm';
  if (String(cryscopeWasmPath).startsWith('file:')) {
    cryscopeWasmPath = require('url').fileURLToPath(cryscopeWasmPath);
  }
  Module['wasmBinary'] = require('fs').readFileSync(cryscopeWasmPath);
}
if (typeof URL === 'undefined' && !Module['locateFile']) {
  Module['locateFile'] = function (path) { return path; };
}
if (typeof fetch === 'undefined' && typeof XMLHttpRequest === 'undefined' && !Module['wasmBinary'] &&
    !(typeof process === 'object' && process && process.versions && process.versions.node)) {
  throw new Error('cryscope_core: this scope cannot fetch the .wasm (AudioWorklet?): ' +
                  'pass createCore({ wasmBinary }) with the bytes of cryscope_core.wasm');
}
