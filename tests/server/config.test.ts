// Unit tests: configuration is validated at start-up (bad options are rejected with a reason,
// not logged and ignored), and API keys resolve to devices in constant time.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { ApiKeys, presentedToken } from '../../server/src/http/auth.js';
import { FailureLimiter } from '../../server/src/http/rate-limit.js';
import { formatCode, normalizeCode } from '../../server/src/store/pairing.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ CRYSCOPE_CACHE: '/tmp/cc' });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: '', pgliteDir: '/tmp/cc/server/pglite', episodeMinSeconds: 3, clipsEnabled: false, groupMaxInFlight: 1, localActivities: false, corsOrigins: [], serveSourceMaps: false });
  });
  it('reads keys and options from env, env winning over the JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 9000, episodeMinSeconds: 5, apiKeys: { 'file-token-0123456789': 'dev-f' } }));
    const c = loadConfig({ CRYSCOPE_SERVER_CONFIG: file, CRYSCOPE_EPISODE_MIN_SECONDS: '2.5', CRYSCOPE_API_KEYS: 'dev-a=tok-a-0123456789ab,dev-b=tok-b-0123456789ab' });
    expect(c.port).toBe(9000);
    expect(c.episodeMinSeconds).toBe(2.5);
    expect(c.apiKeys).toEqual({ 'file-token-0123456789': 'dev-f', 'tok-a-0123456789ab': 'dev-a', 'tok-b-0123456789ab': 'dev-b' });
  });
  it('rejects bad values with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a number/);
    expect(() => loadConfig({ CRYSCOPE_EPISODE_MIN_SECONDS: '-1' })).toThrow(/CRYSCOPE_EPISODE_MIN_SECONDS must be a number >= 0/);
    expect(() => loadConfig({ CRYSCOPE_API_KEYS: 'no-equals-sign' })).toThrow(/expected device=token/);
    expect(() => loadConfig({ CRYSCOPE_CORS_ORIGINS: 'https://ok.example,not an origin' })).toThrow(/not an origin/);
    expect(() => loadConfig({ CRYSCOPE_SERVER_CONFIG: '/nonexistent/c.json' })).toThrow(/cannot read config file/);
  });
});

describe('viewer (caregiver) keys', () => {
  it('default to none, with the monitor options at their documented defaults', () => {
    expect(loadConfig({ CRYSCOPE_CACHE: '/tmp/cc' })).toMatchObject({ viewerKeys: {}, offlineAfterSeconds: 15, streamPollMs: 250 });
  });
  it('read "deviceA+deviceB=token" from env, merged with the JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ viewerKeys: { 'file-viewer-0123456789': ['dev-f'] } }));
    const c = loadConfig({ CRYSCOPE_SERVER_CONFIG: file, CRYSCOPE_VIEWER_KEYS: 'dev-a+dev-b=view-ab-0123456789ab', CRYSCOPE_OFFLINE_AFTER_S: '30' });
    expect(c.viewerKeys).toEqual({ 'file-viewer-0123456789': ['dev-f'], 'view-ab-0123456789ab': ['dev-a', 'dev-b'] });
    expect(c.offlineAfterSeconds).toBe(30);
  });
  it('refuse malformed specs and bad numbers with the variable name', () => {
    expect(() => loadConfig({ CRYSCOPE_VIEWER_KEYS: 'just-a-token-0123456789' })).toThrow(/CRYSCOPE_VIEWER_KEYS: expected deviceA\+deviceB=token/);
    expect(() => loadConfig({ CRYSCOPE_VIEWER_KEYS: '+=token-0123456789abc' })).toThrow(/CRYSCOPE_VIEWER_KEYS/);
    expect(() => loadConfig({ CRYSCOPE_OFFLINE_AFTER_S: '0' })).toThrow(/CRYSCOPE_OFFLINE_AFTER_S must be a number >= 1/);
    expect(() => loadConfig({ CRYSCOPE_STREAM_POLL_MS: '5' })).toThrow(/CRYSCOPE_STREAM_POLL_MS must be a number >= 10/);
  });
  it('resolve to a read-only principal naming the household; a token cannot be both kinds', () => {
    const keys = new ApiKeys({ 'tok-a-0123456789ab': 'dev-a' }, { 'view-ab-0123456789ab': ['dev-a', 'dev-b'] });
    expect(keys.authenticate('view-ab-0123456789ab')).toEqual({ deviceId: '', admin: false, viewerOf: ['dev-a', 'dev-b'] });
    expect(keys.authenticate('tok-a-0123456789ab')).toEqual({ deviceId: 'dev-a', admin: false });
    expect(() => new ApiKeys({ 'same-token-0123456789': 'dev-a' }, { 'same-token-0123456789': ['dev-a'] })).toThrow(/also configured as a device key/);
    expect(() => new ApiKeys({}, { 'short-view': ['dev-a'] })).toThrow(/shorter than 16/);
    expect(() => new ApiKeys({}, { 'view-none-0123456789': [] })).toThrow(/one or more device ids/);
    expect(() => new ApiKeys({}, { 'view-all-01234567890': ['*'] })).toThrow(/one or more device ids/);
  });
});

describe('ApiKeys', () => {
  const keys = new ApiKeys({ 'tok-a-0123456789ab': 'dev-a', 'tok-admin-012345678': '*' });
  it('maps tokens to devices; admin is "*"', () => {
    expect(keys.authenticate('tok-a-0123456789ab')).toEqual({ deviceId: 'dev-a', admin: false });
    expect(keys.authenticate('tok-admin-012345678')).toEqual({ deviceId: '*', admin: true });
    expect(keys.authenticate('tok-a-0123456789aB')).toBeNull();
  });
  it('refuses short tokens at start-up', () => {
    expect(() => new ApiKeys({ short: 'dev' })).toThrow(/shorter than 16/);
  });
  it('reads Bearer and X-API-Key headers; a malformed Authorization is an empty (invalid) token', () => {
    expect(presentedToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedToken({ 'x-api-key': 'k' })).toBe('k');
    expect(presentedToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBe('');
    expect(presentedToken({})).toBeNull();
  });
});

describe('pairing options and the failure limiter (issue #14)', () => {
  it('default to a 600 s code lifetime and 10 failures a minute; env sets them; nonsense is refused', () => {
    expect(loadConfig({ CRYSCOPE_CACHE: '/tmp/cc' })).toMatchObject({ pairingTtlSeconds: 600, pairingMaxFailures: 10 });
    expect(loadConfig({ CRYSCOPE_PAIRING_TTL_S: '120', CRYSCOPE_PAIRING_MAX_FAILURES: '3' })).toMatchObject({ pairingTtlSeconds: 120, pairingMaxFailures: 3 });
    expect(() => loadConfig({ CRYSCOPE_PAIRING_TTL_S: '0' })).toThrow(/CRYSCOPE_PAIRING_TTL_S must be a number >= 1/);
    expect(() => loadConfig({ CRYSCOPE_PAIRING_MAX_FAILURES: 'many' })).toThrow(/CRYSCOPE_PAIRING_MAX_FAILURES must be a number/);
  });

  it('blocks a client after maxFailures in its window, with the seconds left; others are not affected; the window ends', () => {
    let now = 1_000_000;
    const l = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) { expect(l.blockedFor('a')).toBe(0); l.fail('a'); }
    expect(l.blockedFor('a')).toBe(60);
    expect(l.blockedFor('b')).toBe(0);
    now += 59_500;
    expect(l.blockedFor('a')).toBe(1);
    now += 500;
    expect(l.blockedFor('a')).toBe(0); // a new window
    l.fail('a');
    expect(l.blockedFor('a')).toBe(0);
  });

  it('keeps at most maxClients windows (expired ones first, then the oldest)', () => {
    let now = 0;
    const l = new FailureLimiter(1, 1000, () => now, 3);
    for (const c of ['a', 'b', 'c']) l.fail(c);
    now += 2000;
    l.fail('d');
    expect(l.clients).toBe(1); // a, b, c had expired
    l.fail('e'); l.fail('f'); l.fail('g');
    expect(l.clients).toBe(3);
    expect(l.blockedFor('d')).toBe(0); // the oldest was forgotten to make room
    expect(l.blockedFor('g')).toBeGreaterThan(0);
  });
});

describe('pairing codes (store/pairing.ts)', () => {
  it('accepts "1234-5678", "1234 5678" and "12345678" as the same 8 digits; nothing else', () => {
    for (const typed of ['1234-5678', ' 1234 5678 ', '12345678']) expect(normalizeCode(typed)).toBe('12345678');
    for (const typed of ['1234-567', '123456789', 'abcd-efgh', '１２３４５６７８', '', '1234_5678']) expect(normalizeCode(typed)).toBeNull();
    expect(formatCode('00420017')).toBe('0042-0017');
  });
});
