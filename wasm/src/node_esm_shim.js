// Prepended OUTSIDE the factory (--extern-pre-js). Emscripten 3.1.6's EXPORT_ES6 output still uses
// CommonJS `require("fs")`, `require("path")` and `__dirname` in its Node branch, which do not
// exist in an ES module (ReferenceError on load in Node 20). Define module-scoped stand-ins:
// process.getBuiltinModule (Node ≥ 20.16) gives builtins synchronously without a static
// `import 'module'` that would break browsers and bundlers. In browsers/workers these stay
// harmless: `require` is undefined and the Node branch never runs.
var require = typeof process === 'object' && process && typeof process.getBuiltinModule === 'function'
  ? process.getBuiltinModule.bind(process) : undefined;
var __dirname = typeof process === 'object' && process && process.versions && process.versions.node
  ? (import.meta.dirname || require('path').dirname(require('url').fileURLToPath(import.meta.url))) : '';
