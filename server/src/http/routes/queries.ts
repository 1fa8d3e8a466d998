import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deadLetters, getSession, listSessions, sessionEpisodes, sessionEvents, stats } from '../../store/queries.js';
import type { AppDeps } from '../deps.js';
import { sendError } from '../errors.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads a non-negative integer query parameter or answers 400. */
function intParam(req: FastifyRequest, reply: FastifyReply, name: string, fallback: number, max: number): number | null {
  const raw = (req.query as Record<string, string | undefined>)[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    sendError(reply, 400, 'bad_query', `${name} must be an integer in 0..${max}`);
    return null;
  }
  return n;
}

/**
 * Which device's data a request may read: its own; an admin key names one with ?deviceId=
 * (or, for list endpoints, may omit it to read all devices).
 */
function scope(req: FastifyRequest, reply: FastifyReply, requireDevice: boolean): string | null | undefined {
  const p = req.principal!;
  const asked = (req.query as Record<string, string | undefined>).deviceId;
  if (asked !== undefined && !ID.test(asked)) { sendError(reply, 400, 'bad_query', 'deviceId has invalid characters'); return undefined; }
  if (!p.admin) {
    if (asked !== undefined && asked !== p.deviceId) { sendError(reply, 403, 'forbidden', `this API key may only read device "${p.deviceId}"`); return undefined; }
    return p.deviceId;
  }
  if (asked === undefined && requireDevice) { sendError(reply, 400, 'bad_query', 'an admin key must name the device: ?deviceId=...'); return undefined; }
  return asked ?? null;
}

export function registerQueries(app: FastifyInstance, { db }: AppDeps) {
  /** A paged list of the device's rows (all devices for an admin key without ?deviceId=). */
  const pagedList = (key: string, list: (device: string | null, limit: number, offset: number) => Promise<unknown[]>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const device = scope(req, reply, false);
      if (device === undefined) return reply;
      const limit = intParam(req, reply, 'limit', 100, 1000);
      const offset = limit === null ? null : intParam(req, reply, 'offset', 0, 1_000_000);
      if (limit === null || offset === null) return reply;
      return { [key]: await list(device, limit, offset) };
    };

  app.get('/api/v1/sessions', pagedList('sessions', (device, limit, offset) => listSessions(db, device, limit, offset)));
  // A batch answered 202 that storage still refused (store/dead-letters.ts): the device can see it here.
  app.get('/api/v1/dead-letters', pagedList('deadLetters', (device, limit, offset) => deadLetters(db, device, limit, offset)));

  // Every per-session endpoint answers 404 for a session this device has never sent.
  const withSession = (handler: (device: string, sessionId: string, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const { sessionId } = req.params as { sessionId: string };
      if (!ID.test(sessionId)) return sendError(reply, 400, 'bad_query', 'sessionId must be 1-128 characters of A-Z a-z 0-9 . _ : -');
      const device = scope(req, reply, true);
      if (device === undefined) return reply;
      const session = await getSession(db, device!, sessionId);
      if (!session) return sendError(reply, 404, 'unknown_session', `no session "${sessionId}" for device "${device}"`);
      return handler(device!, sessionId, req, reply);
    };

  app.get('/api/v1/sessions/:sessionId', withSession(async (device, sessionId) => ({ session: await getSession(db, device, sessionId) })));
  app.get('/api/v1/sessions/:sessionId/events', withSession(async (device, sessionId, req, reply) => {
    const limit = intParam(req, reply, 'limit', 1000, 10_000);
    const offset = limit === null ? null : intParam(req, reply, 'offset', 0, 10_000_000);
    if (limit === null || offset === null) return reply;
    return { events: await sessionEvents(db, device, sessionId, limit, offset) };
  }));
  app.get('/api/v1/sessions/:sessionId/episodes', withSession(async (device, sessionId) => ({ episodes: await sessionEpisodes(db, device, sessionId) })));

  app.get('/api/v1/stats', async (req, reply) => {
    const device = scope(req, reply, false);
    if (device === undefined) return reply;
    const sessionId = (req.query as Record<string, string | undefined>).sessionId;
    if (sessionId !== undefined) {
      if (!ID.test(sessionId)) return sendError(reply, 400, 'bad_query', 'sessionId has invalid characters');
      if (device !== null && !(await getSession(db, device, sessionId))) return sendError(reply, 404, 'unknown_session', `no session "${sessionId}" for device "${device}"`);
    }
    return { stats: await stats(db, device, sessionId ?? null) };
  });
}
