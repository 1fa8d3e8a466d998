// Runs inside the factory before the .wasm is loaded (--pre-js). Node only: 3.1.6 would either
// build a file:// URL string that fs.readFileSync cannot open, or (Node ≥ 18 has a global fetch)
// call fetch() on a filesystem path, which Node rejects. So in Node read the .wasm ourselves,
// synchronously, from next to this module (or from the caller's locateFile, path or file:// URL)
// and hand it over as wasmBinary. A caller-supplied wasmBinary always wins.
if (typeof process === 'object' && process && process.versions && process.versions.node && !Module['wasmBinary']) {
  var cryscopeWasmPath = Module['locateFile']
    ? Module['locateFile']('cryscope_core.wasm', __dirname + '/')
    : __dirname + '/cryscope_core.wasm';
  if (String(cryscopeWasmPath).startsWith('file:')) {
    cryscopeWasmPath = require('url').fileURLToPath(cryscopeWasmPath);
  }
  Module['wasmBinary'] = require('fs').readFileSync(cryscopeWasmPath);
}
