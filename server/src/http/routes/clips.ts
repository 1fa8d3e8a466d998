import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { readClipHeader } from '../../clips/audio-header.js';
import { REPO_ROOT } from '../../config.js';
import { clipWithEvents, insertClip } from '../../store/clips.js';
import { TemporalUnavailableError } from '../../temporal/client.js';
import type { AppDeps } from '../deps.js';
import { sendError } from '../errors.js';

const AUDIO_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/flac', 'audio/x-flac'];
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Accepted clip length, seconds. */
export const CLIP_MIN_SECONDS = 5;
export const CLIP_MAX_SECONDS = 15;

/**
 * Why a clip cannot be classified on this server, or null if it can: the web package's
 * Node entry (cryscope/node) and the built models (models/build/manifest.json) must exist.
 */
export function clipsUnavailableReason(): string | null {
  let entry = '';
  try {
    entry = fileURLToPath(import.meta.resolve('cryscope/node'));
  } catch {
    return 'the cryscope/node entry of the web package cannot be resolved';
  }
  if (!existsSync(entry)) return `the cryscope/node entry is not built (${entry} missing; run scripts/web-setup.sh)`;
  const manifests = [join(REPO_ROOT, 'web', 'dist', 'models', 'manifest.json'), join(REPO_ROOT, 'models', 'build', 'manifest.json')];
  if (!manifests.some((m) => existsSync(m))) return 'no models: models/build/manifest.json is missing (run scripts/models-setup.sh)';
  return null;
}

/**
 * POST /api/v1/clips?sessionId=... — body: a 5–15 s WAV or FLAC clip (Content-Type audio/wav
 * or audio/flac), at most clipMaxBytes. Off unless configured (404); 501 while the server-side
 * classifier is unavailable. Optional Idempotency-Key: <uuid> makes a retried upload a no-op.
 * GET /api/v1/clips/:clipId — status and result.
 */
export function registerClips(app: FastifyInstance, { config, db, ingest }: AppDeps) {
  const unavailable = config.clipsEnabled ? clipsUnavailableReason() : null;
  app.register(async (scope) => {
    scope.addContentTypeParser(AUDIO_TYPES, { parseAs: 'buffer', bodyLimit: config.clipMaxBytes }, (_req, body, done) => done(null, body));

    scope.post('/api/v1/clips', { bodyLimit: config.clipMaxBytes }, async (req, reply) => {
      if (!config.clipsEnabled) return sendError(reply, 404, 'clips_disabled', 'clip upload is disabled on this server (enable with CRYSCOPE_CLIPS=1)');
      const sessionId = (req.query as Record<string, string | undefined>).sessionId;
      if (!sessionId || !ID.test(sessionId)) return sendError(reply, 400, 'bad_query', 'sessionId query parameter is required (1-128 characters of A-Z a-z 0-9 . _ : -)');
      if (req.principal!.admin) return sendError(reply, 403, 'forbidden', 'an admin key cannot upload clips; use a device key');
      const body = req.body as Buffer;
      let header;
      try {
        header = readClipHeader(body);
      } catch (err) {
        return sendError(reply, 415, 'unsupported_audio', `cannot read the clip: ${(err as Error).message}`);
      }
      if (header.durationSeconds < CLIP_MIN_SECONDS || header.durationSeconds > CLIP_MAX_SECONDS) {
        return sendError(reply, 422, 'bad_clip_length', `clip is ${header.durationSeconds.toFixed(2)} s; it must be ${CLIP_MIN_SECONDS}-${CLIP_MAX_SECONDS} s`);
      }
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !UUID.test(key))) return sendError(reply, 400, 'bad_idempotency_key', 'Idempotency-Key must be a UUID');
      if (unavailable) return sendError(reply, 501, 'clips_unavailable', `clip classification is not available on this server: ${unavailable}`);
      const clipId = (key as string | undefined)?.toLowerCase() ?? randomUUID();
      const deviceId = req.principal!.deviceId;
      await insertClip(db, { clipId, deviceId, sessionId, mediaType: header.format, audio: body });
      try {
        const started = await ingest.startClip(clipId, deviceId, sessionId);
        return reply.code(202).send({ accepted: true, clipId, workflowId: started.workflowId, duplicate: started.duplicate, durationSeconds: header.durationSeconds });
      } catch (err) {
        if (err instanceof TemporalUnavailableError) {
          reply.header('retry-after', '2');
          return sendError(reply, 503, 'temporal_unavailable', 'the workflow service is unavailable; retry later with the same Idempotency-Key');
        }
        throw err;
      }
    });
  });

  app.get('/api/v1/clips/:clipId', async (req, reply) => {
    const { clipId } = req.params as { clipId: string };
    if (!UUID.test(clipId)) return sendError(reply, 400, 'bad_query', 'clipId must be a UUID');
    const found = await clipWithEvents(db, clipId.toLowerCase(), req.principal!.admin ? null : req.principal!.deviceId);
    if (!found) return sendError(reply, 404, 'unknown_clip', `no clip ${clipId}`);
    return found;
  });
}
