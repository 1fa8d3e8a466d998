import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchAsset, ModelDownloadError } from '../../../web/src/models/fetch.js';
import { sha256Hex } from '../../../web/src/engine.js';

/** Minimal Cache Storage fake (one cache, keyed by URL). */
function fakeCaches() {
  const store = new Map<string, Uint8Array>();
  const cache = {
    match: async (u: string) => (store.has(u) ? new Response(store.get(u)! as BufferSource) : undefined),
    put: async (u: string, r: Response) => { store.set(u, new Uint8Array(await r.arrayBuffer())); },
    delete: async (u: string) => store.delete(u),
  };
  return { store, caches: { open: async () => cache } };
}

const model = new TextEncoder().encode('pretend this is an onnx model');

afterEach(() => vi.unstubAllGlobals());

describe('fetchAsset', () => {
  it('verifies sha256, caches, and serves the second load from cache without the network', async () => {
    const sha = await sha256Hex(model);
    const { store, caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    const fetchMock = vi.fn(async () => new Response(model as BufferSource, { headers: { 'content-length': String(model.length) } }));
    vi.stubGlobal('fetch', fetchMock);
    const progress: unknown[] = [];
    const a = await fetchAsset('http://x/m.onnx', 'yamnet', { sha256: sha, cache: true, onProgress: (p) => progress.push(p) });
    expect(a).toEqual(model);
    expect(store.has('http://x/m.onnx')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ asset: 'yamnet', done: true, loaded: model.length });
    fetchMock.mockImplementation(async () => { throw new TypeError('offline'); });
    const b = await fetchAsset('http://x/m.onnx', 'yamnet', { sha256: sha, cache: true, onProgress: (p) => progress.push(p) });
    expect(b).toEqual(model);
    expect(progress.at(-1)).toMatchObject({ cached: true });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('rejects a corrupt download and never caches it', async () => {
    const { store, caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    vi.stubGlobal('fetch', async () => new Response(model as BufferSource));
    await expect(fetchAsset('http://x/m.onnx', 'yamnet', { sha256: 'f'.repeat(64), cache: true })).rejects.toThrow(/corrupt: sha256/);
    expect(store.size).toBe(0);
  });

  it('replaces a stale cached model whose hash no longer matches', async () => {
    const { store, caches } = fakeCaches();
    store.set('http://x/m.onnx', new TextEncoder().encode('old model'));
    vi.stubGlobal('caches', caches);
    vi.stubGlobal('fetch', async () => new Response(model as BufferSource));
    const got = await fetchAsset('http://x/m.onnx', 'yamnet', { sha256: await sha256Hex(model), cache: true });
    expect(got).toEqual(model);
    expect(store.get('http://x/m.onnx')).toEqual(model);
  });

  it('fetches unpinned files (manifest) from the network first, falling back to cache offline', async () => {
    const { store, caches } = fakeCaches();
    store.set('http://x/manifest.json', new TextEncoder().encode('{"v":1}'));
    vi.stubGlobal('caches', caches);
    vi.stubGlobal('fetch', async () => new Response('{"v":2}'));
    expect(new TextDecoder().decode(await fetchAsset('http://x/manifest.json', 'manifest', { cache: true }))).toBe('{"v":2}');
    vi.stubGlobal('fetch', async () => { throw new TypeError('offline'); });
    expect(new TextDecoder().decode(await fetchAsset('http://x/manifest.json', 'manifest', { cache: true }))).toBe('{"v":2}');
  });

  it('says clearly when a file is missing or the network is down and nothing is cached', async () => {
    vi.stubGlobal('caches', fakeCaches().caches);
    vi.stubGlobal('fetch', async () => new Response('nope', { status: 404 }));
    await expect(fetchAsset('http://x/a.onnx', 'wav2vec2', { sha256: 'a'.repeat(64), cache: true })).rejects.toThrow(/could not download wav2vec2 .*HTTP 404/);
    vi.stubGlobal('fetch', async () => { throw new TypeError('Failed to fetch'); });
    const e = await fetchAsset('http://x/a.onnx', 'wav2vec2', { cache: false }).catch((x) => x);
    expect(e).toBeInstanceOf(ModelDownloadError);
    expect(e.message).toMatch(/offline, and not cached yet/);
  });
});
