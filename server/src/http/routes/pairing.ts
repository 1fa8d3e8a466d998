import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/adapter.js';
import { createPairingCode, KEY_PREFIX, normalizeCode, pairedViewerDevice, redeemPairingCode, revokePairedViewers, sha256 } from '../../store/pairing.js';
import type { KeyLookup } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { FailureLimiter } from '../rate-limit.js';
import { PUBLIC_ROUTE } from './auth-hook.js';

/** Failed redemptions are counted per client address over this window (config: how many). */
const FAILURE_WINDOW_MS = 60_000;
/** One answer for every code that does not redeem: which of unknown, expired or used is not said. */
const NO_SUCH_CODE = 'this pairing code is not valid (wrong, expired or already used); ask the nursery device for a new one';

/**
 * Pairing (issue #14): a nursery device (its device key) asks for a one-time code, shown on its
 * page; a caregiver types it into the monitor page, which redeems it WITHOUT a key and receives
 * a new viewer key for that device (store/pairing.ts). Failed redemptions are rate-limited per
 * client address (an 8-digit code must not be guessable), and the device can revoke the keys
 * it paired.
 */
export function registerPairing(app: FastifyInstance, { db, config }: AppDeps) {
  const limiter = new FailureLimiter(config.pairingMaxFailures, FAILURE_WINDOW_MS);

  app.post('/api/v1/pairing', async (req, reply) => {
    const p = req.principal!;
    // Viewer keys are refused by the auth hook; the admin key reads every device but IS none.
    if (p.admin) return sendError(reply, 403, 'forbidden', 'pairing codes are created by a device with its own device key, not the admin key');
    const created = await createPairingCode(db, p.deviceId, config.pairingTtlSeconds);
    reply.header('cache-control', 'no-store');
    return reply.code(201).send({ ...created, deviceId: p.deviceId, ttlSeconds: config.pairingTtlSeconds });
  });

  app.post('/api/v1/pairing/redeem', PUBLIC_ROUTE, async (req, reply) => {
    const client = req.ip;
    const wait = limiter.blockedFor(client);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return sendError(reply, 429, 'too_many_attempts', `too many wrong pairing codes from this address; try again in ${wait} s`);
    }
    const body = req.body as { code?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.code !== 'string') {
      return sendError(reply, 400, 'bad_request', 'send {"code": "1234-5678"} as application/json');
    }
    const digits = normalizeCode(body.code);
    if (!digits) return sendError(reply, 400, 'bad_request', 'a pairing code is 8 digits, e.g. "1234-5678"');
    const paired = await redeemPairingCode(db, digits);
    if (!paired) {
      limiter.fail(client);
      return sendError(reply, 404, 'invalid_code', NO_SUCH_CODE);
    }
    reply.header('cache-control', 'no-store');
    return { viewerKey: paired.viewerKey, devices: [paired.deviceId] };
  });

  app.delete('/api/v1/pairing/viewers', async (req, reply) => {
    const p = req.principal!;
    if (p.admin) return sendError(reply, 403, 'forbidden', 'the admin key pairs no viewers; revoke with the device key');
    return { revoked: await revokePairedViewers(db, p.deviceId), deviceId: p.deviceId };
  });
}

/**
 * The auth hook's fallback for tokens the configured keys do not know: a paired viewer key is
 * a viewer of its one device, exactly like a configured viewer key. Only tokens with the paired
 * key prefix are looked up, so other unknown tokens cost no database query.
 */
export function pairedKeyLookup(db: Db): KeyLookup {
  return async (token) => {
    if (!token.startsWith(KEY_PREFIX)) return null;
    const digest = sha256(token);
    const device = await pairedViewerDevice(db, digest);
    return device ? { deviceId: '', admin: false, viewerOf: [device], pairedKeyDigest: digest } : null;
  };
}
