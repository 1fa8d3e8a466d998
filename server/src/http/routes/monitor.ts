import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deviceStates } from '../../store/device-states.js';
import { FEED_CHANNEL, feedAfter, feedHead } from '../../store/event-feed.js';
import { pairedViewerDevice } from '../../store/pairing.js';
import type { AppDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { SseStream } from '../sse.js';
import { VIEWER_ROUTE } from './auth-hook.js';

/** Most events sent per poll; a longer backlog drains over the next polls without waiting. */
const PAGE = 500;
/** Device states are re-derived every this many ms and sent when they change. */
const DEVICE_CHECK_MS = 1000;
/** Keep-alive comment interval, ms. */
const PING_MS = 15_000;

/** Last-Event-ID header (EventSource reconnect) or ?lastEventId= (a fetch-based client); null = none. */
function lastEventId(req: FastifyRequest, reply: FastifyReply): number | null | undefined {
  const raw = (req.headers['last-event-id'] as string | undefined) ?? (req.query as Record<string, string | undefined>).lastEventId;
  if (raw === undefined || raw === '') return null;
  if (!/^\d{1,15}$/.test(raw)) { sendError(reply, 400, 'bad_query', 'Last-Event-ID / lastEventId must be a non-negative integer (an id this stream sent)'); return undefined; }
  return Number(raw);
}

/**
 * The caregiver's read routes (viewer keys only, see auth-hook.ts): the household's devices
 * with their state, and the live stream of onsets/offsets as they are stored and published.
 */
export function registerMonitor(app: FastifyInstance, { db, config }: AppDeps) {
  const open = new Set<SseStream>();
  // One callback per open stream: a NOTIFY from publishing wakes them all at once.
  const sleepers = new Set<() => void>();
  let listening: Promise<(() => Promise<void>) | null> | null = null;
  const listen = () => {
    listening ??= db.listen(FEED_CHANNEL, () => { for (const wake of sleepers) wake(); }).catch((err) => {
      // Not fatal: streams still poll every streamPollMs. Try again with the next stream.
      app.log.warn({ err }, 'cannot LISTEN for published events; streams poll only');
      listening = null;
      return null;
    });
    return listening;
  };
  // Open streams never end by themselves; end them so a shutdown does not wait for caregivers.
  app.addHook('preClose', async () => {
    for (const s of open) s.close();
    const stop = await listening;
    await stop?.().catch(() => {});
  });

  app.get('/api/v1/devices', VIEWER_ROUTE, async (req) => ({
    devices: await deviceStates(db, req.principal!.viewerOf!, config.offlineAfterSeconds),
    offlineAfterSeconds: config.offlineAfterSeconds,
  }));

  /**
   * SSE: `event: devices` (the state list, on connect and whenever it changes: at once when a
   * stored state report NOTIFYs, else within DEVICE_CHECK_MS, e.g. a device going offline) and
   * `event: detection` (id = feed sequence number). Without Last-Event-ID the stream starts at
   * the newest event; with it, every published event after that id is sent first, in order,
   * exactly once. New events are found by querying an index range when publishing NOTIFYs
   * (LISTEN: any process on PostgreSQL, this process on PGlite) and at least every
   * streamPollMs, so a lost notification (or a process that cannot LISTEN) only delays.
   */
  // No automatic HEAD route: a HEAD would open a stream that never sends a body nor ends.
  app.get('/api/v1/stream', { ...VIEWER_ROUTE, exposeHeadRoute: false }, async (req, reply) => {
    const from = lastEventId(req, reply);
    if (from === undefined) return reply;
    const devices = req.principal!.viewerOf!;
    const pairedKey = req.principal!.pairedKeyDigest;
    await listen();
    let last = from ?? (await feedHead(db));
    const stream = new SseStream(req, reply);
    open.add(stream);
    stream.retry(2000);
    let states = '';
    let nextDeviceCheck = 0;
    let nextPing = Date.now() + PING_MS;
    let nextPoll = 0;
    // Set by a NOTIFY from publishing (and true at first, to send the backlog at once).
    let notified = true;
    // Set by the same NOTIFY: storing a changed device state sends it too (store, then notify).
    let devicesDue = true;
    let rouse = () => {};
    const onPublish = () => { notified = true; devicesDue = true; rouse(); };
    sleepers.add(onPublish);
    try {
      while (!stream.closed) {
        if (devicesDue || Date.now() >= nextDeviceCheck) {
          devicesDue = false;
          nextDeviceCheck = Date.now() + DEVICE_CHECK_MS;
          // A paired key the device revoked (DELETE /api/v1/pairing/viewers) ends its open stream
          // within a second; the reconnect then gets 401.
          if (pairedKey && !(await pairedViewerDevice(db, pairedKey))) break;
          const now = await deviceStates(db, devices, config.offlineAfterSeconds);
          const text = JSON.stringify(now);
          if (text !== states) { states = text; stream.send('devices', { devices: now }); }
        }
        if (notified || Date.now() >= nextPoll) {
          // Cleared before the query: a NOTIFY arriving while it runs makes the next round query again.
          notified = false;
          nextPoll = Date.now() + config.streamPollMs;
          const events = await feedAfter(db, devices, last, PAGE);
          for (const e of events) { stream.send('detection', e, e.id); last = e.id; }
          if (events.length === PAGE) notified = true; // more backlog: carry on without sleeping
        }
        if (Date.now() >= nextPing) { nextPing = Date.now() + PING_MS; stream.ping(); }
        if (notified) continue;
        // Sleep until a NOTIFY, the next poll, device check or ping, whichever comes first.
        const idle = Math.max(0, Math.min(nextPoll, nextDeviceCheck, nextPing) - Date.now());
        await Promise.race([new Promise<void>((r) => { rouse = r; }), stream.wait(idle)]);
        rouse = () => {};
      }
    } catch (err) {
      // The database went away: end the stream; the client reconnects with its Last-Event-ID.
      req.log.warn({ err }, 'monitor stream ended by a database error');
    } finally {
      sleepers.delete(onPublish);
      open.delete(stream);
      stream.close();
    }
    return reply;
  });
}
