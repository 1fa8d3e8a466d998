// Pairing a caregiver device by a one-time code (issue #14), on the real stack — Temporal dev
// server, worker and API on PGlite (one process) and on a real PostgreSQL (API and worker apart):
// a nursery device's key creates an 8-digit code; redeeming it without a key issues a viewer key
// for that device, once, however many redeem at the same time; wrong, expired and used codes get
// one and the same 404; failed attempts are limited per client address; the device can revoke.
// Requests that must count as different clients come from different loopback addresses
// (127.0.0.x), since the limit is kept per address.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch } from './helpers/batches.js';
import { SseClient } from './helpers/sse-client.js';
import { Stack, TOKENS } from './helpers/stack.js';

const VIEWER = 'viewer-configured-0123456789';
/** Short, so the expiry case waits seconds, not the default 10 minutes. */
const TTL_S = 4;
let stack: Stack;

interface Answer { status: number; body: any; headers: Record<string, string | string[] | undefined> }

/** One HTTP request from a given local (loopback) address; `body` is sent as is (string) or as JSON. */
function call(method: string, path: string, o: { token?: string; body?: unknown; type?: string; from?: string } = {}): Promise<Answer> {
  const url = new URL(path, stack.api.url);
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = o.type ?? 'application/json';
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, headers, localAddress: o.from ?? '127.0.0.1' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body: any = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const createCode = async (device: 'device-a' | 'device-b' = 'device-a') => {
  const r = await call('POST', '/api/v1/pairing', { token: TOKENS[device] });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { code: string; expiresAt: string };
};
const redeem = (code: unknown, from = '127.0.0.1') => call('POST', '/api/v1/pairing/redeem', { body: { code }, from });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(['pglite', 'postgres'] as const)('%s', (kind) => {
  beforeAll(async () => {
    // Assigned before start(), so afterAll stops what did start even if start() fails.
    stack = new Stack({ db: kind, env: { CRYSCOPE_VIEWER_KEYS: `device-a=${VIEWER}`, CRYSCOPE_PAIRING_TTL_S: String(TTL_S) } });
    await stack.start();
  });
  afterAll(async () => { await stack?.stop(); });

  it('a device key creates a code "1234-5678" valid for the configured TTL; only its digest is stored', async () => {
    const before = Date.now();
    const { code, expiresAt } = await createCode();
    expect(code).toMatch(/^\d{4}-\d{4}$/);
    const ttl = Date.parse(expiresAt) - before;
    expect(ttl).toBeGreaterThan((TTL_S - 1) * 1000);
    expect(ttl).toBeLessThan((TTL_S + 2) * 1000);
    if (kind === 'postgres') {
      const rows = await stack.query('SELECT * FROM pairing_codes WHERE code_hash = $1', [sha256(code.replace('-', ''))]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ device_id: 'device-a', used_at: null });
      expect(JSON.stringify(await stack.query('SELECT * FROM pairing_codes'))).not.toContain(code.replace('-', ''));
    }
  });

  it('who may create a code: the device key only (no key 401, unknown 401, admin 403, viewer 403)', async () => {
    expect((await call('POST', '/api/v1/pairing')).status).toBe(401);
    expect((await call('POST', '/api/v1/pairing', { token: 'not-a-known-key-0123456789' })).status).toBe(401);
    expect((await call('POST', '/api/v1/pairing', { token: 'cspv_not-a-paired-key-0123456789012345678901' })).status).toBe(401);
    const admin = await call('POST', '/api/v1/pairing', { token: TOKENS['*'] });
    expect([admin.status, admin.body.error]).toEqual([403, 'forbidden']);
    expect((await call('POST', '/api/v1/pairing', { token: VIEWER })).status).toBe(403);
  });

  it('redeeming issues a viewer key for that device, accepted exactly like a configured viewer key; the code then is used up', async () => {
    const { code } = await createCode('device-b');
    const r = await redeem(code);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.devices).toEqual(['device-b']);
    expect(r.headers['cache-control']).toBe('no-store');
    const key: string = r.body.viewerKey;
    expect(key.length).toBeGreaterThanOrEqual(32);
    // Viewer routes: only its device.
    const devices = await call('GET', '/api/v1/devices', { token: key });
    expect(devices.status).toBe(200);
    expect(devices.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['device-b']);
    const sse = await new SseClient(stack.api.url, key).open();
    expect(sse.status).toBe(200);
    await sse.close();
    // Everything else: 403, like a configured viewer key.
    expect((await call('GET', '/api/v1/sessions', { token: key })).status).toBe(403);
    expect((await call('POST', '/api/v1/detections', { token: key, body: makeBatch({ deviceId: 'device-b' }) })).status).toBe(403);
    expect((await call('POST', '/api/v1/pairing', { token: key })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/pairing/viewers', { token: key })).status).toBe(403);
    // Used: a second redemption is refused with the generic 404.
    const again = await redeem(code, '127.0.0.2');
    expect([again.status, again.body.error]).toEqual([404, 'invalid_code']);
    if (kind === 'postgres') {
      const keys = await stack.query('SELECT key_hash, device_id FROM paired_viewer_keys');
      expect(keys).toContainEqual({ key_hash: sha256(key), device_id: 'device-b' });
      expect(JSON.stringify(keys)).not.toContain(key);
    }
  });

  it('a paired caregiver sees its device\'s state as the device reports it', async () => {
    const { code } = await createCode('device-a');
    const key = (await redeem(code.replace('-', ' '))).body.viewerKey as string; // "1234 5678" is the same code
    expect(key).toBeTruthy();
    await stack.postUntilAccepted({ ...makeBatch({ sessionId: 'pair-state', windows: 0, events: [] }), device: { state: 'paused', since: new Date().toISOString() } });
    const a = await waitFor('device-a paused for the paired key', async () => {
      const r = await call('GET', '/api/v1/devices', { token: key });
      return r.body.devices?.[0]?.state === 'paused' ? r.body.devices[0] : null;
    }, 30_000, 100);
    expect(a).toMatchObject({ deviceId: 'device-a', reported: 'paused' });
  });

  it('wrong, expired and used codes all get the same 404 (which one is not said)', async () => {
    const from = '127.0.0.3';
    const used = await createCode();
    expect((await redeem(used.code, from)).status).toBe(200);
    const expired = await createCode();
    const wrongDigits = String((Number(expired.code.replace('-', '')) + 1) % 1e8).padStart(8, '0');
    await new Promise((r) => setTimeout(r, (TTL_S + 1) * 1000));
    const answers = [await redeem(used.code, from), await redeem(expired.code, from), await redeem(wrongDigits, from)];
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers[0].body.error).toBe('invalid_code');
  });

  it('malformed requests are 400 (415 for a media type the API does not read) and change nothing: the code still redeems after them', async () => {
    const from = '127.0.0.4';
    const { code } = await createCode();
    const countKeys = async () => kind === 'postgres' ? (await stack.query('SELECT count(*)::int AS n FROM paired_viewer_keys'))[0].n : 0;
    const keysBefore = await countKeys();
    const bad: [unknown, string | undefined, number][] = [
      ['{"code": "1234', undefined, 400], // malformed JSON
      [{}, undefined, 400], // no code
      [{ code: Number(code.replace('-', '')) }, undefined, 400], // a number, not a string
      [{ code: 'abcd-efgh' }, undefined, 400],
      [{ code: `${code}9` }, undefined, 400], // 9 digits
      [[code], undefined, 400],
      [`code=${code}`, 'text/plain', 400], // not JSON
      [`{"code": "${code}"}`, 'application/x-www-form-urlencoded', 415],
    ];
    for (const [body, type, status] of bad) {
      const r = await call('POST', '/api/v1/pairing/redeem', { body, type, from });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(typeof r.body.message).toBe('string');
    }
    expect((await call('POST', '/api/v1/pairing/redeem', { from })).status).toBe(400); // no body at all
    expect(await countKeys()).toBe(keysBefore);
    const r = await redeem(code, from);
    expect(r.status).toBe(200);
  });

  it('two (and eight) concurrent redemptions of one code: exactly one gets a key', async () => {
    for (const n of [2, 8]) {
      const { code } = await createCode();
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => redeem(code, `127.0.1.${i + 1}`)));
      expect(answers.map((a) => a.status).sort(), `${n} at once`).toEqual([200, ...Array(n - 1).fill(404)]);
      if (kind === 'postgres') {
        const key = answers.find((a) => a.status === 200)!.body.viewerKey;
        expect(await stack.query('SELECT device_id FROM paired_viewer_keys WHERE key_hash = $1', [sha256(key)])).toEqual([{ device_id: 'device-a' }]);
      }
    }
  });

  it('a device revokes its paired viewer keys (not another device\'s); their open streams end and they get 401', async () => {
    const keyA1 = (await redeem((await createCode('device-a')).code, '127.0.0.5')).body.viewerKey as string;
    const keyA2 = (await redeem((await createCode('device-a')).code, '127.0.0.5')).body.viewerKey as string;
    const keyB = (await redeem((await createCode('device-b')).code, '127.0.0.5')).body.viewerKey as string;
    const sse = await new SseClient(stack.api.url, keyA1).open();
    expect(sse.status).toBe(200);
    expect((await call('DELETE', '/api/v1/pairing/viewers', { token: TOKENS['*'] })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/pairing/viewers', { token: VIEWER })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/pairing/viewers')).status).toBe(401);
    const r = await call('DELETE', '/api/v1/pairing/viewers', { token: TOKENS['device-a'] });
    expect(r.status).toBe(200);
    expect(r.body.revoked).toBeGreaterThanOrEqual(2); // the two above, and those of the tests before
    for (const k of [keyA1, keyA2]) expect((await call('GET', '/api/v1/devices', { token: k })).status).toBe(401);
    expect((await call('GET', '/api/v1/devices', { token: keyB })).status).toBe(200);
    expect((await call('GET', '/api/v1/devices', { token: VIEWER })).status).toBe(200); // configured keys are not pairing's to revoke
    await Promise.race([sse.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('the revoked key\'s stream did not end')), 5_000))]);
    expect((await call('DELETE', '/api/v1/pairing/viewers', { token: TOKENS['device-a'] })).body.revoked).toBe(0);
  });

  it('a device has at most 5 live codes: a 6th and 7th retire the oldest two', async () => {
    const from = '127.0.0.6';
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) codes.push((await createCode('device-b')).code);
    const answers = [];
    for (const c of codes) answers.push((await redeem(c, from)).status);
    expect(answers).toEqual([404, 404, 200, 200, 200, 200, 200]);
  });

  it('the OpenAPI document lists the pairing routes; redeeming needs no key', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/pairing', '/api/v1/pairing/redeem', '/api/v1/pairing/viewers']));
    expect(doc.paths['/api/v1/pairing/redeem'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/pairing'].post.summary).toContain(`${TTL_S} s`);
  });

  it('failed redemptions are limited per client address: the 11th within a minute is 429 with Retry-After, even for a valid code', async () => {
    const from = '127.0.0.9';
    const { code } = await createCode();
    const wrong = String((Number(code.replace('-', '')) + 7) % 1e8).padStart(8, '0');
    for (let i = 0; i < 10; i++) expect((await redeem(wrong, from)).status).toBe(404);
    const blocked = await redeem(wrong, from);
    expect([blocked.status, blocked.body.error]).toEqual([429, 'too_many_attempts']);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await redeem(code, from)).status).toBe(429); // even the right code: no more tries from here
    // The blocked attempt did not use the code up; another address is not limited.
    expect((await redeem(code, '127.0.0.10')).status).toBe(200);
  });
});
