import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { LIMITS } from 'cryscope/protocol';
import { REPO_ROOT } from '../config.js';
import { ApiKeys } from './auth.js';
import type { AppDeps } from './deps.js';
import { sendError } from './errors.js';
import { PUBLIC_ROUTE, registerAuth } from './routes/auth-hook.js';
import { registerClips } from './routes/clips.js';
import { registerDetections } from './routes/detections.js';
import { registerHealth } from './routes/health.js';
import { registerQueries } from './routes/queries.js';
import { registerDemo } from './routes/demo.js';
import { registerMonitor } from './routes/monitor.js';
import { pairedKeyLookup, registerPairing } from './routes/pairing.js';
import { registerCors } from './cors.js';
import { registerMonitorPage, registerStatic, securityHeaders } from './static.js';
import { openApiDocument } from './openapi.js';

/** Builds the HTTP API (not listening yet). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.config.logLevel },
    // JSON bodies above the batch limit are refused with 413 while streaming, before parsing.
    bodyLimit: LIMITS.maxBatchBytes,
    // Many devices keep connections open; do not let one idle socket hold resources forever.
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
  });
  const keys = new ApiKeys(deps.config.apiKeys, deps.config.viewerKeys);

  app.addHook('onSend', async (_req, reply, payload) => {
    securityHeaders(reply, reply.hasHeader('access-control-allow-origin'));
    return payload;
  });

  // Precise 4xx for what Fastify rejects before our handlers run.
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'payload_too_large', `request body exceeds the limit (${err.message})`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'unsupported_media_type', err.message);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'malformed_json', 'the body is empty; expected a JSON object');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, 'bad_request', err.message);
    }
    if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
      return sendError(reply, 400, 'malformed_json', `the body is not valid JSON: ${err.message}`);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, 'bad_request', err.message);
    }
    reply.log.error(err);
    return sendError(reply, 500, 'internal', 'internal server error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));

  registerCors(app, deps.config.corsOrigins);
  // Auth decides by the matched route's config (see auth-hook.ts), so it covers every route.
  registerAuth(app, keys, pairedKeyLookup(deps.db));
  registerHealth(app, deps);
  app.get('/api/v1/openapi.json', PUBLIC_ROUTE, async () => openApiDocument(deps.config));
  registerDemo(app, deps.config);
  registerDetections(app, deps);
  registerClips(app, deps);
  registerQueries(app, deps);
  registerMonitor(app, deps);
  registerPairing(app, deps);
  registerMonitorPage(app, join(REPO_ROOT, 'server', 'monitor'));
  registerStatic(app, deps.config.staticDir, deps.config.serveSourceMaps);
  return app;
}
