// Integration: API and worker as separate processes on a real Temporal dev server and a real
// PostgreSQL server. Happy path, queries, duplicates, bad input, alerts, static files.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from 'cryscope/protocol';
import { freePort, waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch, workflowIdOf } from './helpers/batches.js';
import { Stack, TOKENS } from './helpers/stack.js';
import { MIGRATIONS_DIR } from '../../server/src/db/migrate.js';

// A local alert receiver: answers 503 to the first two attempts of each episode, then 200.
const received: { key: string; body: any; status: number }[] = [];
let receiver: Server;
let receiverPort = 0;
const staticDir = join('/tmp', `cryscope-static-${process.pid}`);

let stack: Stack;
beforeAll(async () => {
  receiverPort = await freePort();
  receiver = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => { data += d; });
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const attempts = received.filter((r) => r.key === key).length;
      const status = attempts < 2 ? 503 : 200;
      received.push({ key, body: JSON.parse(data), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', r));
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(staticDir, 'core.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  writeFileSync(join(staticDir, 'app.mjs'), 'export {}');
  writeFileSync(join(staticDir, 'm.onnx'), 'x');
  stack = await new Stack({
    db: 'postgres',
    env: {
      CRYSCOPE_ALERT_WEBHOOK: `http://127.0.0.1:${receiverPort}/alerts`,
      CRYSCOPE_EPISODE_MIN_SECONDS: '3',
      CRYSCOPE_STATIC_DIR: staticDir,
      CRYSCOPE_DEMO_DEVICE: 'device-b',
      CRYSCOPE_CORS_ORIGINS: 'https://embedder.example',
    },
  }).start();
});
afterAll(async () => {
  await stack?.stop();
  receiver?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

describe('ingest → Temporal → PostgreSQL', () => {
  it('is ready: readyz checks Temporal and the database', async () => {
    const r = await stack.get('/readyz', null);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', temporal: { ok: true }, database: { kind: 'postgres', ok: true } });
    expect((await stack.get('/healthz', null)).status).toBe(200);
  });

  it('stores a batch: session, events, episodes (>= 3 s only) and per-day stats; the workflow completed in Temporal', async () => {
    const b = makeBatch({
      sessionId: 'happy-1',
      events: [
        { type: 'onset', label: 'cry', start: 2, peak: 0.8 },
        { type: 'offset', label: 'cry', start: 2, end: 9, peak: 0.9, mean: 0.7 },
        { type: 'offset', label: 'scream', start: 12, end: 13, peak: 0.85, mean: 0.6 },
      ],
    });
    const r = await stack.post(b);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: true, batchId: b.batchId, workflowId: workflowIdOf(b) });
    await stack.expectStoredExactlyOnce([b]);

    const session = await stack.get('/api/v1/sessions/happy-1');
    expect(session.body.session).toMatchObject({ deviceId: 'device-a', sessionId: 'happy-1', batches: 1, windows: 4, events: 3, lastTimeSeconds: 13 });
    const events = await stack.get('/api/v1/sessions/happy-1/events');
    expect(events.body.events.map((e: any) => `${e.type}:${e.label}:${e.start}`)).toEqual(['onset:cry:2', 'offset:cry:2', 'offset:scream:12']);
    const episodes = await stack.get('/api/v1/sessions/happy-1/episodes');
    expect(episodes.body.episodes).toHaveLength(1);
    expect(episodes.body.episodes[0]).toMatchObject({ label: 'cry', start: 2, end: 9, durationSeconds: 7, startedAt: '2026-03-01T23:59:52.000Z', day: '2026-03-01' });
    const stats = await stack.get('/api/v1/stats?sessionId=happy-1');
    expect(stats.body.stats).toEqual([
      { deviceId: 'device-a', sessionId: 'happy-1', day: '2026-03-01', label: 'cry', occurrences: 1, totalSeconds: 7, episodes: 1, episodeSeconds: 7 },
      // 23:59:50 + 12 s is the next UTC day.
      { deviceId: 'device-a', sessionId: 'happy-1', day: '2026-03-02', label: 'scream', occurrences: 1, totalSeconds: 1, episodes: 0, episodeSeconds: 0 },
    ]);

    const client = await stack.temporalClient();
    const desc = await client.workflow.getHandle(workflowIdOf(b)).describe();
    await waitFor('workflow completed', async () => (await client.workflow.getHandle(workflowIdOf(b)).describe()).status.name === 'COMPLETED', 60_000);
    expect(desc.type).toBe('ingestBatchWorkflow');
  });

  it('delivers the episode alert through webhook retries (503, 503, 200), once marked', async () => {
    const b = makeBatch({ sessionId: 'alert-1' });
    expect((await stack.post(b)).status).toBe(202);
    const key = `device-a/alert-1/cry/0.5`;
    await waitFor('alert delivered', async () => received.some((r) => r.key === key && r.status === 200), 60_000);
    const attempts = received.filter((r) => r.key === key);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(attempts[2].body).toMatchObject({ type: 'cryscope.episode', deviceId: 'device-a', sessionId: 'alert-1', label: 'cry', durationSeconds: 6 });
    await waitFor('episode marked alerted', async () => (await stack.get('/api/v1/sessions/alert-1/episodes')).body.episodes[0]?.alertedAt);
  });

  it('stores the same batch once when posted twice in a row and ten times concurrently', async () => {
    const b = makeBatch({ sessionId: 'dup-1' });
    const first = await stack.post(b);
    expect(first.status).toBe(202);
    await stack.expectStoredExactlyOnce([b]);
    const client = await stack.temporalClient();
    await waitFor('first workflow completed', async () => (await client.workflow.getHandle(workflowIdOf(b)).describe()).status.name === 'COMPLETED');
    const second = await stack.post(b);
    expect(second.status).toBe(202);
    expect(second.body.duplicate).toBe(true);

    const c = makeBatch({ sessionId: 'dup-1', t0: 10 });
    const all = await Promise.all(Array.from({ length: 10 }, () => stack.post(c)));
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(202));
    await stack.expectStoredExactlyOnce([b, c]);
    await new Promise((r) => setTimeout(r, 1500)); // give any stray duplicate time to land
    const [{ n }] = await stack.query('SELECT count(*)::int AS n FROM batches WHERE session_id = $1', ['dup-1']);
    expect(n).toBe(2);
    expect((await stack.get('/api/v1/sessions/dup-1')).body.session.batches).toBe(2);
  });

  it('stores many batches of many sessions exactly once', async () => {
    const batches = Array.from({ length: 60 }, (_, i) => makeBatch({ sessionId: `many-${i % 6}`, t0: i * 10 }));
    const res = await Promise.all(batches.map((b) => stack.post(b)));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await stack.expectStoredExactlyOnce(batches);
    const sessions = (await stack.get('/api/v1/sessions')).body.sessions.filter((s: any) => s.sessionId.startsWith('many-'));
    expect(sessions.map((s: any) => s.batches).sort()).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('bad input: precise 4xx, nothing stored or started', () => {
  const rejectedIds: string[] = [];
  const expectRejected = async (body: unknown, status: number, error: string, message: RegExp, token: string | null = TOKENS['device-a'], init: RequestInit = {}) => {
    const r = await stack.post(body, token, init);
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(r.body.message).toMatch(message);
    return r;
  };
  const bad = (mutate: (b: any) => void) => {
    const b: any = makeBatch({ sessionId: 'bad-1' });
    rejectedIds.push(b.batchId);
    mutate(b);
    return b;
  };

  it('malformed JSON → 400', async () => {
    await expectRejected('{"schema": "cryscope.batch/1", ', 400, 'malformed_json', /not valid JSON/);
    await expectRejected(JSON.stringify(bad(() => {})).replace('"start":0,', '"start":NaN,'), 400, 'malformed_json', /not valid JSON/);
  });

  it('oversized body → 413 before parsing', async () => {
    const b = bad(() => {});
    const huge = JSON.stringify({ ...b, padding: 'x'.repeat(LIMITS.maxBatchBytes) });
    await expectRejected(huge, 413, 'payload_too_large', /exceeds the limit/);
  });

  it('wrong Content-Type → 415', async () => {
    await expectRejected(JSON.stringify(bad(() => {})), 415, 'unsupported_media_type', /text\/plain/, TOKENS['device-a'],
      { headers: { 'content-type': 'text/plain', authorization: `Bearer ${TOKENS['device-a']}` } });
  });

  const cases: [string, (b: any) => void, RegExp][] = [
    ['wrong types', (b) => { b.windows = { start: 0 }; }, /\/windows windows must be an array/],
    ['timestamp as the string "NaN"', (b) => { b.windows[0].start = 'NaN'; }, /\/windows\/0\/start must be a finite number/],
    ['Infinity (1e999) timestamp', (b) => { b.windows[0].end = '__INF__'; }, /\/windows\/0\/end must be a finite number/],
    ['negative timestamp', (b) => { b.events[0].start = -2; }, /\/events\/0\/start must not be negative/],
    ['unknown label', (b) => { b.events[1].label = 'giggle'; }, /\/events\/1\/label label must be one of cry, scream/],
    ['probability above 1', (b) => { b.windows[2].probs.fused[0] = 1.01; }, /\/windows\/2\/probs\/fused\/0 probability must be within \[0, 1\]/],
    ['probability below 0', (b) => { b.events[1].peak = -0.5; }, /\/events\/1\/peak probability must be within \[0, 1\]/],
    ['missing batchId', (b) => { delete b.batchId; }, /\/batchId batchId must be a UUID/],
  ];
  for (const [name, mutate, message] of cases) {
    it(`${name} → 400 invalid_batch naming the field`, async () => {
      const body = JSON.stringify(bad(mutate)).replace('"__INF__"', '1e999');
      const r = await expectRejected(body, 400, 'invalid_batch', message);
      expect(Array.isArray(r.body.details)).toBe(true);
    });
  }

  it('missing credentials → 401, wrong key → 401, another device\'s key → 403, admin key cannot post → 403', async () => {
    const r = await expectRejected(bad(() => {}), 401, 'unauthorized', /missing credentials/, null);
    expect(r.headers.get('www-authenticate')).toMatch(/Bearer/);
    await expectRejected(bad(() => {}), 401, 'unauthorized', /invalid credentials/, 'not-a-real-key-0000000');
    await expectRejected(bad(() => {}), 401, 'unauthorized', /invalid credentials/, '');
    await expectRejected(bad(() => {}), 403, 'forbidden', /belongs to device "device-b"/, TOKENS['device-b']);
    await expectRejected(bad(() => {}), 403, 'forbidden', /device "\*"/, TOKENS['*']);
  });

  it('unknown session → 404 on every session endpoint; bad ids and params → 400; other device → 403', async () => {
    for (const p of ['', '/events', '/episodes']) {
      const r = await stack.get(`/api/v1/sessions/never-seen${p}`);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ error: 'unknown_session', message: 'no session "never-seen" for device "device-a"' });
    }
    expect((await stack.get('/api/v1/stats?sessionId=never-seen')).status).toBe(404);
    // happy-1 belongs to device-a: device-b cannot see it.
    expect((await stack.get('/api/v1/sessions/happy-1', TOKENS['device-b'])).status).toBe(404);
    expect((await stack.get('/api/v1/sessions?deviceId=device-a', TOKENS['device-b'])).status).toBe(403);
    expect((await stack.get('/api/v1/sessions?limit=-1')).status).toBe(400);
    expect((await stack.get('/api/v1/sessions/happy-1')).status).toBe(200);
    expect((await stack.get('/api/v1/sessions/happy-1', TOKENS['*'])).status).toBe(400);
    expect((await stack.get('/api/v1/sessions/happy-1?deviceId=device-a', TOKENS['*'])).status).toBe(200);
    expect((await stack.get('/api/v1/sessions', null)).status).toBe(401);
  });

  it('nothing from the rejected requests was stored or started', async () => {
    expect(rejectedIds.length).toBeGreaterThan(10);
    await new Promise((r) => setTimeout(r, 1000));
    const [{ n }] = await stack.query('SELECT count(*)::int AS n FROM batches WHERE batch_id = ANY($1::uuid[])', [rejectedIds]);
    expect(n).toBe(0);
    const [{ s }] = await stack.query(`SELECT count(*)::int AS s FROM sessions WHERE session_id = 'bad-1'`);
    expect(s).toBe(0);
    // Workflow ids name the content too (batch-<device>/<batchId>@<hash>): no workflow of any
    // content was started for a rejected batchId.
    const client = await stack.temporalClient();
    const started: string[] = [];
    for await (const wf of client.workflow.list()) started.push(wf.workflowId);
    expect(started.length).toBeGreaterThan(0);
    for (const id of rejectedIds) expect(started.filter((w) => w.includes(id.toLowerCase()))).toEqual([]);
  });
});

describe('API surface', () => {
  it('serves its OpenAPI document with the batch schema', async () => {
    const r = await stack.get('/api/v1/openapi.json', null);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.components.schemas.Batch.properties.schema.const).toBe('cryscope.batch/1');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/v1/detections', '/api/v1/clips', '/api/v1/sessions/{sessionId}/episodes', '/api/v1/stats', '/readyz']));
  });

  it('serves the demo page with CSP, COOP/COEP and correct MIME types; no path traversal', async () => {
    const page = await stack.get('/', null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await stack.get('/core.wasm', null)).headers.get('content-type')).toBe('application/wasm');
    expect((await stack.get('/app.mjs', null)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await stack.get('/m.onnx', null)).headers.get('content-type')).toBe('application/octet-stream');
    expect((await stack.get('/..%2f..%2fetc%2fpasswd', null)).status).toBe(404);
    expect((await stack.get('/nope.js', null)).status).toBe(404);
  });

  it('hands the local demo page its generated key (loopback only)', async () => {
    const r = await stack.get('/api/v1/demo/credentials', null);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deviceId: 'device-b', apiKey: TOKENS['device-b'], backendUrl: '/' });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('CORS: only configured origins; preflight without credentials; answers readable cross-origin', async () => {
    const pre = await fetch(`${stack.api.url}/api/v1/detections`, {
      method: 'OPTIONS', headers: { origin: 'https://embedder.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://embedder.example');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await fetch(`${stack.api.url}/api/v1/detections`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const b = makeBatch({ sessionId: 'cors-1', events: [] });
    const res = await fetch(`${stack.api.url}/api/v1/detections`, {
      method: 'POST', body: JSON.stringify(b),
      headers: { origin: 'https://embedder.example', 'content-type': 'application/json', authorization: `Bearer ${TOKENS['device-a']}` },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://embedder.example');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('clip upload is off by default → 404 with a message', async () => {
    const res = await fetch(`${stack.api.url}/api/v1/clips?sessionId=c1`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKENS['device-a']}`, 'content-type': 'audio/wav' }, body: Buffer.alloc(100),
    });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe('clips_disabled');
  });

  it('records each migration once', async () => {
    const rows = await stack.query('SELECT version, name FROM schema_migrations ORDER BY version');
    // every migration file shipped, once each, in order
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    expect(files.slice(0, 7)).toEqual(['001_init.sql', '002_clips.sql', '003_device_scoped_keys.sql', '004_event_feed.sql', '005_device_states.sql', '006_device_state_stopped.sql', '007_pairing.sql']);
    expect(rows).toEqual(files.map((name) => ({ version: Number(name.slice(0, 3)), name })));
  });
});
