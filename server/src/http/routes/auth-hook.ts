import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeys, presentedToken, type Principal } from '../auth.js';
import { sendError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Paths under /api/v1 that need no key (the API description, the local demo's key hand-out). */
const PUBLIC = new Set(['/api/v1/openapi.json', '/api/v1/demo/credentials']);

/**
 * Authenticates every /api/v1 request in onRequest — before the body is read or parsed — so
 * an unauthenticated client cannot make the server buffer or parse anything.
 */
export function registerAuth(app: FastifyInstance, keys: ApiKeys) {
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const path = req.url.split('?')[0];
    if (!path.startsWith('/api/v1/') || PUBLIC.has(path)) return;
    const token = presentedToken(req.headers);
    if (token === null) {
      reply.header('www-authenticate', 'Bearer realm="cryscope"');
      return sendError(reply, 401, 'unauthorized', 'missing credentials: send "Authorization: Bearer <device API key>"');
    }
    const principal = token ? keys.authenticate(token) : null;
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="cryscope", error="invalid_token"');
      return sendError(reply, 401, 'unauthorized', 'invalid credentials: the API key is not known to this server');
    }
    req.principal = principal;
  });
}
