import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../../config.js';
import { ApiKeys } from '../auth.js';
import { sendError } from '../errors.js';

/**
 * GET /api/v1/demo/credentials — the LOCAL demo page fetches its generated device key here
 * (scripts/server-demo.sh creates one). Only when a demo device is configured, only to
 * loopback clients; never enable it on a server reachable by others.
 */
export function registerDemo(app: FastifyInstance, config: ServerConfig) {
  app.get('/api/v1/demo/credentials', async (req, reply) => {
    const token = config.demoDevice ? ApiKeys.tokenFor(config.apiKeys, config.demoDevice) : undefined;
    if (!token) return sendError(reply, 404, 'not_found', 'no demo device is configured on this server');
    const ip = req.socket.remoteAddress ?? '';
    if (!(ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1')) {
      return sendError(reply, 403, 'forbidden', 'demo credentials are only handed to loopback clients');
    }
    reply.header('cache-control', 'no-store');
    return { deviceId: config.demoDevice, apiKey: token, backendUrl: '/' };
  });
}
