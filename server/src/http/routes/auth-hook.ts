import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeys, presentedToken, type KeyLookup, type Principal } from '../auth.js';
import { sendError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The route needs no API key (health, API description, demo page, demo key hand-out). */
    public?: boolean;
    /** Only a read-only caregiver (viewer) key is accepted (the monitor's data); device keys get 403. */
    viewer?: boolean;
  }
}

/** Route options of a route that needs no key: `app.get(url, PUBLIC_ROUTE, handler)`. */
export const PUBLIC_ROUTE = { config: { public: true } } as const;

/** Route options of a monitor route: caregiver (viewer) keys only. */
export const VIEWER_ROUTE = { config: { viewer: true } } as const;

/**
 * Authenticates in onRequest — before the body is read or parsed — on the route the ROUTER
 * matched, never on the raw URL text: the router decodes percent-escapes (`/%61pi/v1/...`
 * is `/api/v1/...`), so a check on the raw text could disagree with the handler that runs.
 * Every route needs a key unless it is marked public (secure by default: a new route that
 * forgets to say anything is protected). Monitor routes (VIEWER_ROUTE) take only viewer keys,
 * every other protected route only device keys. A request no route matches gets its 404 here, so an
 * unknown path is not parsed either. A token the configured keys do not know goes to `lookup`
 * (viewer keys issued by pairing, in the database), whose principal is treated exactly the same.
 */
export function registerAuth(app: FastifyInstance, keys: ApiKeys, lookup?: KeyLookup) {
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    if (req.is404) return sendError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    if (req.routeOptions.config.public) return;
    const token = presentedToken(req.headers);
    if (token === null) {
      reply.header('www-authenticate', 'Bearer realm="cryscope"');
      return sendError(reply, 401, 'unauthorized', 'missing credentials: send "Authorization: Bearer <device API key>"');
    }
    let principal = token ? keys.authenticate(token) : null;
    if (!principal && token && lookup) {
      try {
        principal = await lookup(token);
      } catch (err) {
        req.log.warn({ err }, 'cannot look up a paired viewer key');
        reply.header('retry-after', '2');
        return sendError(reply, 503, 'database_unavailable', 'cannot check this key right now (database unavailable); retry later');
      }
    }
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="cryscope", error="invalid_token"');
      return sendError(reply, 401, 'unauthorized', 'invalid credentials: the API key is not known to this server');
    }
    // Viewer keys are read-only and household-scoped: accepted on viewer routes and nowhere
    // else; device keys (admin too) are not accepted on viewer routes, one credential per role.
    const wantsViewer = Boolean(req.routeOptions.config.viewer);
    if (wantsViewer !== Boolean(principal.viewerOf)) {
      return sendError(reply, 403, 'forbidden', wantsViewer
        ? 'this route needs a caregiver (viewer) key; device keys cannot read the monitor'
        : 'a caregiver (viewer) key is read-only and only opens the monitor (GET /api/v1/devices, /api/v1/stream)');
    }
    req.principal = principal;
  });
}
