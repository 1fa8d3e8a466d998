// Integration with the embedded default: one process (API + worker) on PGlite with on-disk
// persistence, on a real Temporal dev server. Data and migrations survive a restart.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../server/src/devstack/ports.js';
import { ServerProcess } from '../../server/src/devstack/server-process.js';
import { makeBatch } from './helpers/batches.js';
import { Stack, TOKENS } from './helpers/stack.js';
import { REPO_ROOT } from '../../server/src/config.js';
import { MIGRATIONS_DIR } from '../../server/src/db/migrate.js';

// Every migration file shipped, by version (each must be applied exactly once).
const VERSIONS = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort().map((f) => Number(f.slice(0, 3)));

let stack: Stack;
beforeAll(async () => {
  // Clip upload enabled here (off by default; the PostgreSQL suite checks the 404).
  stack = await new Stack({ db: 'pglite', env: { CRYSCOPE_CLIPS: '1', CRYSCOPE_CLIP_MAX_BYTES: String(1024 * 1024) } }).start();
});
afterAll(async () => {
  await stack?.stop();
});

const sessionOf = async (id: string) => (await stack.get(`/api/v1/sessions/${id}`)).body.session;

describe('embedded PGlite', () => {
  it('is ready and reports the embedded database', async () => {
    const r = await stack.get('/readyz', null);
    expect(r.status).toBe(200);
    expect(r.body.database).toEqual({ kind: 'pglite', ok: true });
  });

  it('stores batches exactly once, including duplicates, and answers the queries', async () => {
    const a = makeBatch({ sessionId: 'lite-1' });
    const b = makeBatch({ sessionId: 'lite-1', t0: 10, events: [{ type: 'offset', label: 'scream', start: 11, end: 15, peak: 0.9 }] });
    const posts = await Promise.all([a, a, a, b, b].map((x) => stack.post(x)));
    expect(posts.map((p) => p.status)).toEqual([202, 202, 202, 202, 202]);
    await waitFor('both batches stored', async () => (await sessionOf('lite-1'))?.batches === 2, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sessionOf('lite-1')).toMatchObject({ batches: 2, windows: 8, events: 3 });
    const episodes = (await stack.get('/api/v1/sessions/lite-1/episodes')).body.episodes;
    expect(episodes.map((e: any) => `${e.label}@${e.start}`)).toEqual(['cry@0.5', 'scream@11']);
    const stats = (await stack.get('/api/v1/stats')).body.stats;
    expect(stats.find((s: any) => s.label === 'scream')).toMatchObject({ occurrences: 1, totalSeconds: 4, episodes: 1 });
  });

  it('keeps its data across a restart, applying migrations only once', async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`restart test: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await stack.api.stop();
    lap('stopped');
    // Look inside the data directory while no server owns it.
    const dir = join(stack.tmp, 'pglite');
    let db = await PGlite.create(dir);
    const before = (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    const batches = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM batches')).rows[0].n;
    await db.close();
    lap('inspected');
    expect(VERSIONS.length).toBeGreaterThanOrEqual(7);
    expect(before).toEqual(VERSIONS);
    expect(batches).toBe(2);

    stack.api = new ServerProcess({ role: 'all', env: stack.env });
    await stack.api.start();
    lap('restarted');
    expect(await sessionOf('lite-1')).toMatchObject({ batches: 2, events: 3 });
    const c = makeBatch({ sessionId: 'lite-1', t0: 20, events: [] });
    expect((await stack.post(c)).status).toBe(202);
    await waitFor('third batch stored', async () => (await sessionOf('lite-1'))?.batches === 3, 60_000);
    lap('third stored');

    await stack.api.stop();
    db = await PGlite.create(dir);
    const after = (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    await db.close();
    expect(after).toEqual(VERSIONS);
    stack.api = new ServerProcess({ role: 'all', env: stack.env });
    await stack.api.start();
  });

  it('refuses to run API and worker as separate processes on PGlite, with a reason', async () => {
    const p = new ServerProcess({ role: 'worker', env: stack.env });
    await expect(p.start()).rejects.toThrow(/needs DATABASE_URL: the embedded PGlite can only be opened by one process/);
  });
});

/** A mono 16-bit PCM WAV of `seconds` of a quiet tone. */
function wav(seconds: number, rate = 16000) {
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

const postClip = async (body: Buffer, type = 'audio/wav', query = '?sessionId=clip-1', headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.api.url}/api/v1/clips${query}`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKENS['device-a']}`, 'content-type': type, ...headers }, body,
  });
  return { status: res.status, body: await res.json() };
};

const SHARED = process.env.CRYSCOPE_SHARED || join(REPO_ROOT, '..', 'shared');
const CRY_CLIP = join(SHARED, 'data', 'cry', 'belly_pain', 'donateacry__549a46d8-9c84-430e-ade8-97eae2bef787-1430130772174-1.7-m-48-bp__0.flac');
const modelsBuilt = ['web/dist/models/manifest.json', 'models/build/manifest.json'].some((p) => existsSync(join(REPO_ROOT, p)))
  && existsSync(join(REPO_ROOT, 'web', 'dist', 'node.js'));

describe('POST /api/v1/clips (enabled)', () => {
  it('rejects bad clips with precise 4xx', async () => {
    expect(await postClip(wav(2))).toMatchObject({ status: 422, body: { error: 'bad_clip_length', message: 'clip is 2.00 s; it must be 5-15 s' } });
    expect(await postClip(wav(16))).toMatchObject({ status: 422, body: { error: 'bad_clip_length' } });
    expect((await postClip(wav(40))).status).toBe(413);
    expect(await postClip(Buffer.from('definitely not audio at all, just text......'))).toMatchObject({ status: 415, body: { error: 'unsupported_audio' } });
    expect((await postClip(wav(6), 'audio/ogg')).status).toBe(415);
    expect(await postClip(wav(6), 'audio/wav', '')).toMatchObject({ status: 400, body: { error: 'bad_query' } });
    expect(await postClip(wav(6), 'audio/wav', '?sessionId=c', { 'idempotency-key': 'nope' })).toMatchObject({ status: 400, body: { error: 'bad_idempotency_key' } });
  });

  if (modelsBuilt && existsSync(CRY_CLIP)) {
    it('classifies a real 6.9 s cry FLAC on the server and stores the result once (idempotent re-upload)', async () => {
      const key = randomUUID();
      const flac = readFileSync(CRY_CLIP);
      const first = await postClip(flac, 'audio/flac', '?sessionId=clip-cry', { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(first.body.durationSeconds).toBeCloseTo(6.86, 1);
      const clip = await waitFor('clip classified', async () => {
        const r = await stack.get(`/api/v1/clips/${key}`);
        if (r.body.clip?.status === 'failed') throw new Error(`clip failed: ${r.body.clip.error}`);
        return r.body.clip?.status === 'classified' ? r.body : null;
      }, 120_000, 500);
      expect(clip.clip).toMatchObject({ sessionId: 'clip-cry', deviceId: 'device-a' });
      // The clip-level verdict from the real models (accuracy is the models area's business;
      // here: a well-formed verdict over the three labels).
      const file = clip.clip.result.file;
      expect(['cry', 'scream', 'normal']).toContain(file.label);
      expect(file.probs).toHaveLength(3);
      expect(file.probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 3);
      expect(clip.clip.result.duration).toBeCloseTo(6.86, 1);
      console.log(`clip verdict: ${file.label} ${JSON.stringify(file.probs)}; events: ${JSON.stringify(clip.events)}`);
      const again = await postClip(flac, 'audio/flac', '?sessionId=clip-cry', { 'idempotency-key': key });
      expect(again.status).toBe(202);
      await new Promise((r) => setTimeout(r, 1500));
      const session = (await stack.get('/api/v1/sessions/clip-cry')).body.session;
      expect(session.batches).toBe(1);
      expect(session.windows).toBeGreaterThan(5);
    });
  } else {
    it('answers 501 with the reason while the classifier (cryscope/node + models) is not built', async () => {
      const r = await postClip(wav(6));
      expect(r.status).toBe(501);
      expect(r.body.error).toBe('clips_unavailable');
      expect(r.body.message).toMatch(/not available on this server: .*(models|cryscope\/node)/);
    });
  }
});
