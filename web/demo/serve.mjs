#!/usr/bin/env node
// A tiny static server for the demo/bench pages without the backend (standalone e2e, benchmarks).
// Same security headers as the real server: CSP allowing only our own origin (+ wasm compile),
// COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer, ORT threads).
//   node web/demo/serve.mjs [--root DIR] [--port N] [--no-isolation] [--record-batches FILE]
// --record-batches: a stand-in ingest endpoint for client tests without the real backend: POST
// /api/v1/detections appends {headers, body} as one JSON line to FILE and answers 202, and
// /api/v1/demo/credentials hands out a fixed local test key. (The real backend is server/.)
// Prints "listening on http://127.0.0.1:PORT/" once ready.
import { createServer } from 'node:http';
import { appendFileSync, createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const root = resolve(arg('--root', fileURLToPath(new URL('../dist/demo/', import.meta.url))));
const port = Number(arg('--port', '0'));
const isolation = !args.includes('--no-isolation');
const recordFile = arg('--record-batches', undefined);
const TEST_KEY = 'standalone-test-key-0123456789';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8', '.map': 'application/json', '.tflite': 'application/octet-stream', '.wav': 'audio/wav',
  '.flac': 'audio/flac', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const server = createServer((req, res) => {
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
    ...(isolation ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' } : {}),
  };
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400, headers).end('bad path');
    return;
  }
  if (recordFile && path === '/api/v1/demo/credentials') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ deviceId: 'standalone-device', apiKey: TEST_KEY, backendUrl: '/' }));
    return;
  }
  if (recordFile && path === '/api/v1/detections' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${TEST_KEY}`) {
        res.writeHead(401, { ...headers, 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      appendFileSync(recordFile, JSON.stringify({ headers: req.headers, body: JSON.parse(body) }) + '\n');
      res.writeHead(202, { ...headers, 'content-type': 'application/json' }).end('{"accepted":true}');
    });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(path.startsWith('/api/') ? 404 : 405, { ...headers, 'content-type': 'application/json' }).end('{"error":"no backend here"}');
    return;
  }
  let file = normalize(join(root, path));
  if (!file.startsWith(root + sep) && file !== root) {
    res.writeHead(403, headers).end('forbidden');
    return;
  }
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    const st = statSync(file);
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': st.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/ (root ${root}${isolation ? ', cross-origin isolated' : ''})`);
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));
