// Downloads model files with progress, verifies sha256 against the manifest, and keeps them in
// Cache Storage so a second visit (or a later offline visit) loads without the network.
import { sha256Hex } from '../engine.js';
import type { LoadProgress } from '../types.js';

export const CACHE_NAME = 'cryscope-models-v1';

export class ModelDownloadError extends Error {
  constructor(message: string, readonly url: string) {
    super(message);
    this.name = 'ModelDownloadError';
  }
}

async function openCache(enabled: boolean): Promise<Cache | null> {
  if (!enabled || typeof caches === 'undefined') return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins / storage disabled: just don't cache
  }
}

/**
 * Fetches `url` as bytes. With `sha256`, a cached copy is used only if it matches, and a download
 * that does not match is rejected (never cached).
 */
export async function fetchAsset(url: string, asset: string, opts: { sha256?: string; cache: boolean; onProgress?: (p: LoadProgress) => void }): Promise<Uint8Array> {
  const cache = await openCache(opts.cache);
  // Hash-pinned files (models): cache first — the hash proves the cached copy is the right one.
  if (cache && opts.sha256) {
    const hit = await cache.match(url);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if ((await sha256Hex(bytes)) === opts.sha256) {
        opts.onProgress?.({ asset, loaded: bytes.length, total: bytes.length, cached: true, done: true });
        return bytes;
      }
      await cache.delete(url); // stale or corrupt: fetch again
    }
  }
  try {
    const bytes = await download(url, asset, opts);
    if (cache) {
      try {
        await cache.put(url, new Response(bytes as BufferSource));
      } catch {
        // Quota exceeded etc.: the model still works, only the next visit downloads again.
      }
    }
    return bytes;
  } catch (e) {
    // Unpinned files (manifest, labels): network first so updates are seen, cache when offline.
    if (cache && !opts.sha256 && !(e instanceof CorruptAssetError)) {
      const hit = await cache.match(url);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        opts.onProgress?.({ asset, loaded: bytes.length, total: bytes.length, cached: true, done: true });
        return bytes;
      }
    }
    throw e;
  }
}

class CorruptAssetError extends ModelDownloadError {}

async function download(url: string, asset: string, opts: { sha256?: string; onProgress?: (p: LoadProgress) => void }): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch (e) {
    throw new ModelDownloadError(`could not download ${asset} from ${url}: ${e instanceof Error ? e.message : e} (offline, and not cached yet?)`, url);
  }
  if (!res.ok) throw new ModelDownloadError(`could not download ${asset} from ${url}: HTTP ${res.status}`, url);
  const total = Number(res.headers.get('content-length') ?? 0);
  let bytes: Uint8Array;
  if (res.body && opts.onProgress) {
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    let lastReport = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      if (loaded - lastReport > 256 * 1024) {
        lastReport = loaded;
        opts.onProgress({ asset, loaded, total });
      }
    }
    bytes = new Uint8Array(loaded);
    let o = 0;
    for (const c of chunks) { bytes.set(c, o); o += c.length; }
  } else {
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  if (opts.sha256) {
    const got = await sha256Hex(bytes);
    if (got !== opts.sha256) throw new CorruptAssetError(`${asset} from ${url} is corrupt: sha256 ${got.slice(0, 12)}… does not match the manifest's ${opts.sha256.slice(0, 12)}…`, url);
  }
  opts.onProgress?.({ asset, loaded: bytes.length, total: bytes.length, done: true });
  return bytes;
}
