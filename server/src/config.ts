import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Server configuration. Sources, later wins: defaults < JSON file named by
 * CRYSCOPE_SERVER_CONFIG < environment variables. Every option, its unit and default:
 */
export interface ServerConfig {
  /** HTTP listen host. Default "127.0.0.1" (env HOST). */
  host: string;
  /** HTTP listen port. Default 8080 (env PORT). */
  port: number;
  /** Temporal frontend address host:port. Default "127.0.0.1:7233" (env TEMPORAL_ADDRESS). */
  temporalAddress: string;
  /** Temporal namespace. Default "default" (env TEMPORAL_NAMESPACE). */
  temporalNamespace: string;
  /** Task queue of the ingest workflows. Default "cryscope-ingest" (env CRYSCOPE_TASK_QUEUE). */
  taskQueue: string;
  /** PostgreSQL connection string; when empty the embedded PGlite is used. Default "" (env DATABASE_URL). */
  databaseUrl: string;
  /** PGlite data directory (on-disk persistence). Default ~/.cache/cryscope/server/pglite (env CRYSCOPE_PGLITE_DIR). */
  pgliteDir: string;
  /**
   * Per-device API keys: token -> device id. A device may only post batches with its own
   * deviceId and read its own sessions; device id "*" is an admin key that may read all.
   * Default {} (env CRYSCOPE_API_KEYS="deviceA=tokenA,deviceB=tokenB").
   */
  apiKeys: Record<string, string>;
  /**
   * Read-only caregiver keys for the monitor (/monitor, GET /api/v1/devices, GET /api/v1/stream):
   * token -> the device ids of one household. Accepted ONLY by those read routes; device keys
   * are not accepted there, and viewer keys cannot post. Tokens >= 16 characters, distinct
   * from every device key. Default {} (env CRYSCOPE_VIEWER_KEYS="deviceA+deviceB=token,deviceC=token2").
   */
  viewerKeys: Record<string, string[]>;
  /** Pairing: how long a pairing code (POST /api/v1/pairing) can be redeemed, seconds. Default 600 (env CRYSCOPE_PAIRING_TTL_S). */
  pairingTtlSeconds: number;
  /** Pairing: failed redemptions allowed per client address and minute; the next gets 429. Default 10 (env CRYSCOPE_PAIRING_MAX_FAILURES). */
  pairingMaxFailures: number;
  /** Monitor: a device that sent no batch for this long is shown offline, seconds. Default 15 (3 batch intervals of the web client's default 5 s) (env CRYSCOPE_OFFLINE_AFTER_S). */
  offlineAfterSeconds: number;
  /** Monitor stream: how often each open stream asks the database for new events even without a NOTIFY from publishing (the fallback), ms. Default 250 (env CRYSCOPE_STREAM_POLL_MS). */
  streamPollMs: number;
  /** A cry/scream lasting at least this long becomes an episode, seconds. Default 3 (env CRYSCOPE_EPISODE_MIN_SECONDS). */
  episodeMinSeconds: number;
  /** Alert webhook URL, POSTed once per new episode; empty = no alerts. Default "" (env CRYSCOPE_ALERT_WEBHOOK). */
  alertWebhookUrl: string;
  /** Activity start-to-close timeout, seconds. Default 30 (env CRYSCOPE_ACTIVITY_TIMEOUT_S). */
  activityTimeoutSeconds: number;
  /** Longest pause between activity retries, seconds. Default 30 (env CRYSCOPE_RETRY_MAX_INTERVAL_S). */
  retryMaxIntervalSeconds: number;
  /** POST /api/v1/clips enabled. Default false (env CRYSCOPE_CLIPS=1). */
  clipsEnabled: boolean;
  /** Largest clip upload, bytes. Default 4 MiB (env CRYSCOPE_CLIP_MAX_BYTES). */
  clipMaxBytes: number;
  /** Keep clip audio after classification. Default false (env CRYSCOPE_KEEP_CLIPS=1). */
  keepClipAudio: boolean;
  /** Folder of the demo page served at "/", if it exists. Default <repo>/web/dist/demo (env CRYSCOPE_STATIC_DIR). */
  staticDir: string;
  /**
   * Serve the demo build's source maps (*.map). They expose the page's full source and paths
   * and no user needs them. Default false (env CRYSCOPE_SOURCE_MAPS=1).
   */
  serveSourceMaps: boolean;
  /**
   * Device id whose key GET /api/v1/demo/credentials hands to the demo page (local demo only,
   * requests from loopback). Default "" = endpoint off (env CRYSCOPE_DEMO_DEVICE).
   */
  demoDevice: string;
  /**
   * Origins (scheme://host[:port]) of pages on OTHER origins allowed to call the API from a
   * browser (CORS), e.g. a site embedding the npm package. The demo page is same-origin and
   * needs none. Default [] (env CRYSCOPE_CORS_ORIGINS="https://a.example,https://b.example").
   */
  corsOrigins: string[];
  /** Worker: max concurrent activity executions. Default 50 (env CRYSCOPE_WORKER_ACTIVITIES). */
  workerMaxActivities: number;
  /** Group commit: most batches per workflow start. Default 64 (env CRYSCOPE_GROUP_MAX_BATCHES; 1 = one workflow per batch). */
  groupMaxBatches: number;
  /** Group commit: concurrent workflow starts per API process. Default 1 (env CRYSCOPE_GROUP_IN_FLIGHT). */
  groupMaxInFlight: number;
  /** Store batches through a local activity (fewer Temporal round trips). Default false (env CRYSCOPE_LOCAL_ACTIVITIES=1). */
  localActivities: boolean;
  /** Log level for fastify/pino. Default "warn" (env LOG_LEVEL). */
  logLevel: string;
}

/** The repo root, found from this file (works from src/ and from dist/server/src/). */
export const REPO_ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/server/dist/') ? '../../../../' : '../../', import.meta.url),
);

function parseKeys(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new Error(`CRYSCOPE_API_KEYS: expected device=token, got "${part}"`);
    out[part.slice(eq + 1)] = part.slice(0, eq);
  }
  return out;
}

/** "deviceA+deviceB=token,deviceC=token2" -> { token: [deviceA, deviceB], token2: [deviceC] }. */
function parseViewerKeys(spec: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const devices = part.slice(0, Math.max(eq, 0)).split('+').filter(Boolean);
    if (eq <= 0 || eq === part.length - 1 || !devices.length) throw new Error(`CRYSCOPE_VIEWER_KEYS: expected deviceA+deviceB=token, got "${part}"`);
    out[part.slice(eq + 1)] = devices;
  }
  return out;
}

function num(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${value}"`);
  return n;
}

const bool = (v: string | undefined, fallback: boolean) =>
  v === undefined || v === '' ? fallback : v === '1' || v.toLowerCase() === 'true';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const cache = env.CRYSCOPE_CACHE || join(homedir(), '.cache', 'cryscope');
  const defaults: ServerConfig = {
    host: '127.0.0.1',
    port: 8080,
    temporalAddress: '127.0.0.1:7233',
    temporalNamespace: 'default',
    taskQueue: 'cryscope-ingest',
    databaseUrl: '',
    pgliteDir: join(cache, 'server', 'pglite'),
    apiKeys: {},
    viewerKeys: {},
    offlineAfterSeconds: 15,
    pairingTtlSeconds: 600,
    pairingMaxFailures: 10,
    streamPollMs: 250,
    episodeMinSeconds: 3,
    alertWebhookUrl: '',
    activityTimeoutSeconds: 30,
    retryMaxIntervalSeconds: 30,
    clipsEnabled: false,
    clipMaxBytes: 4 * 1024 * 1024,
    keepClipAudio: false,
    staticDir: join(REPO_ROOT, 'web', 'dist', 'demo'),
    serveSourceMaps: false,
    demoDevice: '',
    corsOrigins: [],
    workerMaxActivities: 50,
    groupMaxBatches: 64,
    groupMaxInFlight: 1,
    localActivities: false,
    logLevel: 'warn',
  };
  let file: Partial<ServerConfig> = {};
  if (env.CRYSCOPE_SERVER_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.CRYSCOPE_SERVER_CONFIG, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read config file ${env.CRYSCOPE_SERVER_CONFIG}: ${(err as Error).message}`);
    }
  }
  const c: ServerConfig = { ...defaults, ...file, apiKeys: { ...(file.apiKeys ?? {}) }, viewerKeys: { ...(file.viewerKeys ?? {}) } };
  if (env.HOST) c.host = env.HOST;
  c.port = num('PORT', env.PORT, c.port);
  if (env.TEMPORAL_ADDRESS) c.temporalAddress = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) c.temporalNamespace = env.TEMPORAL_NAMESPACE;
  if (env.CRYSCOPE_TASK_QUEUE) c.taskQueue = env.CRYSCOPE_TASK_QUEUE;
  if (env.DATABASE_URL !== undefined) c.databaseUrl = env.DATABASE_URL;
  if (env.CRYSCOPE_PGLITE_DIR) c.pgliteDir = env.CRYSCOPE_PGLITE_DIR;
  if (env.CRYSCOPE_API_KEYS) Object.assign(c.apiKeys, parseKeys(env.CRYSCOPE_API_KEYS));
  if (env.CRYSCOPE_VIEWER_KEYS) Object.assign(c.viewerKeys, parseViewerKeys(env.CRYSCOPE_VIEWER_KEYS));
  c.offlineAfterSeconds = num('CRYSCOPE_OFFLINE_AFTER_S', env.CRYSCOPE_OFFLINE_AFTER_S, c.offlineAfterSeconds, 1);
  c.pairingTtlSeconds = num('CRYSCOPE_PAIRING_TTL_S', env.CRYSCOPE_PAIRING_TTL_S, c.pairingTtlSeconds, 1);
  c.pairingMaxFailures = num('CRYSCOPE_PAIRING_MAX_FAILURES', env.CRYSCOPE_PAIRING_MAX_FAILURES, c.pairingMaxFailures, 1);
  c.streamPollMs = num('CRYSCOPE_STREAM_POLL_MS', env.CRYSCOPE_STREAM_POLL_MS, c.streamPollMs, 10);
  c.episodeMinSeconds = num('CRYSCOPE_EPISODE_MIN_SECONDS', env.CRYSCOPE_EPISODE_MIN_SECONDS, c.episodeMinSeconds);
  if (env.CRYSCOPE_ALERT_WEBHOOK !== undefined) c.alertWebhookUrl = env.CRYSCOPE_ALERT_WEBHOOK;
  c.activityTimeoutSeconds = num('CRYSCOPE_ACTIVITY_TIMEOUT_S', env.CRYSCOPE_ACTIVITY_TIMEOUT_S, c.activityTimeoutSeconds, 1);
  c.retryMaxIntervalSeconds = num('CRYSCOPE_RETRY_MAX_INTERVAL_S', env.CRYSCOPE_RETRY_MAX_INTERVAL_S, c.retryMaxIntervalSeconds, 1);
  c.clipsEnabled = bool(env.CRYSCOPE_CLIPS, c.clipsEnabled);
  c.clipMaxBytes = num('CRYSCOPE_CLIP_MAX_BYTES', env.CRYSCOPE_CLIP_MAX_BYTES, c.clipMaxBytes, 1024);
  c.keepClipAudio = bool(env.CRYSCOPE_KEEP_CLIPS, c.keepClipAudio);
  if (env.CRYSCOPE_STATIC_DIR) c.staticDir = env.CRYSCOPE_STATIC_DIR;
  c.serveSourceMaps = bool(env.CRYSCOPE_SOURCE_MAPS, c.serveSourceMaps);
  if (env.CRYSCOPE_CORS_ORIGINS !== undefined) c.corsOrigins = env.CRYSCOPE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of c.corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new Error(`CRYSCOPE_CORS_ORIGINS: "${o}" is not an origin like https://example.org`);
  }
  if (env.CRYSCOPE_DEMO_DEVICE !== undefined) c.demoDevice = env.CRYSCOPE_DEMO_DEVICE;
  c.workerMaxActivities = num('CRYSCOPE_WORKER_ACTIVITIES', env.CRYSCOPE_WORKER_ACTIVITIES, c.workerMaxActivities, 1);
  c.groupMaxBatches = num('CRYSCOPE_GROUP_MAX_BATCHES', env.CRYSCOPE_GROUP_MAX_BATCHES, c.groupMaxBatches, 1);
  c.groupMaxInFlight = num('CRYSCOPE_GROUP_IN_FLIGHT', env.CRYSCOPE_GROUP_IN_FLIGHT, c.groupMaxInFlight, 1);
  c.localActivities = bool(env.CRYSCOPE_LOCAL_ACTIVITIES, c.localActivities);
  if (env.LOG_LEVEL) c.logLevel = env.LOG_LEVEL;
  return c;
}
