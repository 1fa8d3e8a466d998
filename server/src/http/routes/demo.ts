import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../../config.js';
import { ApiKeys } from '../auth.js';
import { sendError } from '../errors.js';
import { isLoopbackAddress, isLoopbackHost, isLoopbackOrigin } from '../loopback.js';
import { PUBLIC_ROUTE } from './auth-hook.js';

/**
 * GET /api/v1/demo/credentials — the LOCAL demo page fetches its generated device key here
 * (scripts/server-demo.sh creates one). Only when a demo device is configured, only to
 * loopback clients that also address us by a loopback name (Host, and Origin when sent), so a
 * rebound foreign name cannot read the key; never enable it on a server reachable by others.
 */
export function registerDemo(app: FastifyInstance, config: ServerConfig) {
  app.get('/api/v1/demo/credentials', PUBLIC_ROUTE, async (req, reply) => {
    const token = config.demoDevice ? ApiKeys.tokenFor(config.apiKeys, config.demoDevice) : undefined;
    if (!token) return sendError(reply, 404, 'not_found', 'no demo device is configured on this server');
    if (!isLoopbackAddress(req.socket.remoteAddress ?? '')) {
      return sendError(reply, 403, 'forbidden', 'demo credentials are only handed to loopback clients');
    }
    const origin = req.headers.origin;
    if (!isLoopbackHost(req.headers.host) || (origin !== undefined && !isLoopbackOrigin(origin))) {
      return sendError(reply, 403, 'forbidden', 'demo credentials are only handed to pages served from localhost, 127.0.0.1 or [::1] (Host/Origin)');
    }
    reply.header('cache-control', 'no-store');
    return { deviceId: config.demoDevice, apiKey: token, backendUrl: '/' };
  });
}
