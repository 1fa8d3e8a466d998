// Issue #15, findings 2, 3 and 6 (HTTP side), on the real server process (PGlite + Temporal):
// auth is decided on the route the router matched, for every spelling of every route; the
// demo key is handed out only to loopback names (DNS rebinding); source maps are not served.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, TOKENS } from './helpers/stack.js';

const staticDir = join('/tmp', `cryscope-hardening-static-${process.pid}`);
let stack: Stack;
beforeAll(async () => {
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(staticDir, 'demo.js'), 'export {}\n//# sourceMappingURL=demo.js.map');
  writeFileSync(join(staticDir, 'demo.js.map'), '{"version":3,"sources":["../../src/secret.ts"]}');
  stack = await new Stack({ db: 'pglite', env: { CRYSCOPE_STATIC_DIR: staticDir, CRYSCOPE_DEMO_DEVICE: 'device-b' } }).start();
});
afterAll(async () => {
  await stack?.stop();
  rmSync(staticDir, { recursive: true, force: true });
});

/** A request with the path sent exactly as written (no normalisation) and any Host header. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const url = new URL(stack.api.url);
  return new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed: any = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, body: parsed, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CLIP = '5f0c1e3a-1111-4222-8333-444455556666';
/** Every authenticated route, as method + canonical path. */
const ROUTES: [string, string][] = [
  ['POST', '/api/v1/detections'],
  ['POST', '/api/v1/clips?sessionId=s1'],
  ['GET', `/api/v1/clips/${CLIP}`],
  ['GET', '/api/v1/sessions'],
  ['HEAD', '/api/v1/sessions'],
  ['GET', '/api/v1/dead-letters'],
  ['GET', '/api/v1/sessions/s1'],
  ['GET', '/api/v1/sessions/s1/events'],
  ['GET', '/api/v1/sessions/s1/episodes'],
  ['GET', '/api/v1/stats'],
  ['GET', '/api/v1/devices'],
  ['HEAD', '/api/v1/devices'],
  ['GET', '/api/v1/stream'],
];
/** Spellings of a path that a router may or may not treat as the same route. */
const variants = (p: string): [string, string][] => [
  ['canonical', p],
  ['percent-encoded', p.replace('/api/', '/%61pi/')],
  ['percent-encoded later segment', p.replace('/v1/', '/%76%31/')],
  ['double-encoded', p.replace('/api/', '/%2561pi/')],
  ['mixed-case', p.replace('/api/v1/', '/API/V1/')],
  ['trailing slash', p.replace(/(\?|$)/, '/$1')],
  ['encoded slash', p.replace('/api/v1/', '/api%2Fv1/')],
];
// A body that would be answered 400 if anything parsed it.
const BROKEN_JSON = '{"schema": ';

describe('auth on the route the router matched (finding 2)', () => {
  it('a percent-encoded path to a protected route is refused 401 without a key, not 500', async () => {
    const r = await raw('GET', '/%61pi/v1/sessions');
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('unauthorized');
    // With a key the encoded spelling reaches the same handler as the canonical one.
    const ok = await raw('GET', '/%61pi/v1/sessions', { authorization: `Bearer ${TOKENS['device-a']}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveProperty('sessions');
  });

  it('the body of an encoded-path POST is not parsed without a key (401, not 400)', async () => {
    const r = await raw('POST', '/%61pi/v1/detections', { 'content-type': 'application/json' }, BROKEN_JSON);
    expect(r.status).toBe(401);
  });

  for (const [method, path] of ROUTES) {
    for (const [name, p] of variants(path)) {
      it(`${method} ${path} (${name}) without a key → 401 or 404 before any body parsing`, async () => {
        const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
        const r = await raw(method, p, headers, method === 'POST' ? BROKEN_JSON : undefined);
        expect([401, 404]).toContain(r.status);
        // A wrong key is no better than none.
        const wrong = await raw(method, p, { ...headers, authorization: 'Bearer not-a-real-key-0000000' }, method === 'POST' ? BROKEN_JSON : undefined);
        expect([401, 404]).toContain(wrong.status);
        if (name === 'canonical' || name.startsWith('percent-encoded')) expect(r.status).toBe(401);
      });
    }
  }

  it('an unknown route is 404 before its body is read, with or without a key', async () => {
    for (const token of [null, TOKENS['device-a']]) {
      const r = await raw('POST', '/api/v1/nothing-here', { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, BROKEN_JSON);
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('not_found');
    }
  });

  it('public routes stay public: health, API description, demo page', async () => {
    expect((await raw('GET', '/healthz')).status).toBe(200);
    expect((await raw('GET', '/api/v1/openapi.json')).status).toBe(200);
    expect((await raw('GET', '/')).status).toBe(200);
  });
});

describe('demo credentials and DNS rebinding (finding 3)', () => {
  it('answers a loopback client that names a loopback host', async () => {
    for (const host of [new URL(stack.api.url).host, `localhost:${new URL(stack.api.url).port}`, '[::1]:8080', 'LOCALHOST']) {
      const r = await raw('GET', '/api/v1/demo/credentials', { host });
      expect(r.status, host).toBe(200);
      expect(r.body.apiKey).toBe(TOKENS['device-b']);
    }
    const withOrigin = await raw('GET', '/api/v1/demo/credentials', { host: 'localhost:8080', origin: 'http://localhost:8080' });
    expect(withOrigin.status).toBe(200);
  });

  it('refuses 403 when Host or Origin is a foreign name, though the socket is loopback', async () => {
    for (const headers of [
      { host: 'attacker.example:8080' },
      { host: 'attacker.example' },
      { host: '127.0.0.1.attacker.example' },
      { host: 'localhost.attacker.example:8080' },
      { host: '127.0.0.1:8080', origin: 'http://attacker.example:8080' },
      { host: 'localhost:8080', origin: 'null' },
    ]) {
      const r = await raw('GET', '/api/v1/demo/credentials', headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.stringify(r.body)).not.toContain(TOKENS['device-b']);
    }
  });
});

describe('demo page source maps (finding 6)', () => {
  it('serves the script but not its source map', async () => {
    expect((await raw('GET', '/demo.js')).status).toBe(200);
    const map = await raw('GET', '/demo.js.map');
    expect(map.status).toBe(404);
    expect(JSON.stringify(map.body)).not.toContain('secret.ts');
  });

  it('serves a file literally named like an encoded path as that file, never as an API route', async () => {
    const r = await raw('GET', '/%2561pi/v1/sessions', { authorization: `Bearer ${TOKENS['device-a']}` });
    expect(r.status).toBe(404);
    expect(r.body.message).toMatch(/%61pi/);
  });
});
