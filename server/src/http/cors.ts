import type { FastifyInstance } from 'fastify';

/**
 * CORS for /api/v1 from explicitly configured origins only (never "*": requests carry a
 * device key). Preflights are answered here, before authentication, since browsers send
 * them without credentials.
 */
export function registerCors(app: FastifyInstance, origins: string[]) {
  if (!origins.length) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin) || !req.url.startsWith('/api/v1/')) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
    // A cross-origin page must be able to read our JSON answers.
    reply.header('cross-origin-resource-policy', 'cross-origin');
    if (req.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST');
      reply.header('access-control-allow-headers', 'authorization, content-type, idempotency-key, x-api-key');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
