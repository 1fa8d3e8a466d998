import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from './errors.js';
import { PUBLIC_ROUTE } from './routes/auth-hook.js';

/** MIME types of everything the demo page loads; .wasm must be application/wasm for streaming compile. */
export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
};

/**
 * Headers on every response. CSP: only our own origin ('self'); 'wasm-unsafe-eval' lets the
 * page compile WebAssembly (core + ONNX Runtime) without allowing JS eval. COOP + COEP make
 * the page cross-origin isolated, which SharedArrayBuffer (ORT-web threads) requires.
 */
export function securityHeaders(reply: FastifyReply, crossOriginAllowed = false) {
  reply.header('content-security-policy',
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
    "img-src 'self' data:; style-src 'self'; media-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'");
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-embedder-policy', 'require-corp');
  if (!crossOriginAllowed) reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

/**
 * Sends the file `urlPath` names under `root` (a directory means its index.html), or a 404
 * that says why; never a file outside `root`.
 */
async function sendFile(reply: FastifyReply, root: string, urlPath: string) {
  let file = normalize(join(root, urlPath));
  if (file !== root && !file.startsWith(root + sep)) return sendError(reply, 404, 'not_found', 'not found');
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file) || !statSync(file).isFile()) return sendError(reply, 404, 'not_found', `no file ${urlPath}`);
  const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // HTML must always be fresh; hashed assets could be cached, but we cannot tell them apart here.
  reply.header('cache-control', type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300');
  return reply.type(type).send(createReadStream(file));
}

/**
 * Serves the demo page (web/dist/demo) at "/" when that folder exists; checked per request so
 * a later build appears. The file is named by the path the router decoded (params['*']), not
 * by decoding the raw URL again: "/%2561pi/..." is the file "%61pi/...", never "/api/...".
 * Source maps only when asked (serveSourceMaps).
 */
export function registerStatic(app: FastifyInstance, dir: string, serveSourceMaps = false) {
  const root = resolve(dir);
  app.get('/*', PUBLIC_ROUTE, async (req, reply) => {
    const urlPath = `/${(req.params as { '*': string })['*']}`;
    if (urlPath.startsWith('/api/')) return sendError(reply, 404, 'not_found', `no route GET ${urlPath}`);
    if (!serveSourceMaps && extname(urlPath).toLowerCase() === '.map') return sendError(reply, 404, 'not_found', `source maps are not served (CRYSCOPE_SOURCE_MAPS=1 serves them): ${urlPath}`);
    if (!existsSync(root)) return sendError(reply, 404, 'not_found', `the demo page is not built (${root} is missing; run scripts/web-setup.sh)`);
    return sendFile(reply, root, urlPath);
  });
}

/**
 * The caregiver page (server/monitor: plain HTML + one JS module, no build step) at /monitor.
 * The page itself is public and holds no data; everything it shows needs a viewer key.
 */
export function registerMonitorPage(app: FastifyInstance, dir: string) {
  const root = resolve(dir);
  app.get('/monitor', PUBLIC_ROUTE, async (_req, reply) => reply.redirect('/monitor/'));
  app.get('/monitor/*', PUBLIC_ROUTE, async (req, reply) => sendFile(reply, root, `/${(req.params as { '*': string })['*']}`));
}
