// Durable outbox for detection batches: IndexedDB when available (survives reloads and offline
// periods), memory otherwise. Batches are kept in insertion order and removed only once the
// backend accepted them (or rejected them permanently).
import type { DetectionBatchV1 } from './protocol/index.js';

export interface BatchStore {
  put(batch: DetectionBatchV1): Promise<void>;
  /** Oldest first. */
  list(limit?: number): Promise<DetectionBatchV1[]>;
  delete(batchId: string): Promise<void>;
  count(): Promise<number>;
}

export class MemoryBatchStore implements BatchStore {
  private items: DetectionBatchV1[] = [];
  async put(b: DetectionBatchV1) { this.items.push(b); }
  async list(limit = Infinity) { return this.items.slice(0, limit); }
  async delete(id: string) { this.items = this.items.filter((b) => b.batchId !== id); }
  async count() { return this.items.length; }
}

const STORE = 'batches';

/** IndexedDB outbox; `idb` defaults to globalThis.indexedDB (fake-indexeddb in unit tests). */
export class IndexedDbBatchStore implements BatchStore {
  private db: Promise<IDBDatabase>;
  constructor(name = 'cryscope-outbox', idb: IDBFactory = globalThis.indexedDB) {
    if (!idb) throw new Error('IndexedDB is not available');
    this.db = new Promise((resolve, reject) => {
      const req = idb.open(name, 1);
      req.onupgradeneeded = () => {
        // seq keeps insertion order across sessions; batchId is unique (idempotency key).
        const s = req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
        s.createIndex('batchId', 'batch.batchId', { unique: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    });
  }
  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  }
  async put(batch: DetectionBatchV1) {
    await this.tx('readwrite', (s) => s.add({ batch }));
  }
  async list(limit = 1000) {
    const rows = (await this.tx('readonly', (s) => s.getAll(undefined, limit))) as { batch: DetectionBatchV1 }[];
    return rows.map((r) => r.batch);
  }
  async delete(batchId: string) {
    const db = await this.db;
    await new Promise<void>((resolve, reject) => {
      const t = db.transaction(STORE, 'readwrite');
      const idx = t.objectStore(STORE).index('batchId');
      const r = idx.getKey(batchId);
      r.onsuccess = () => { if (r.result !== undefined) t.objectStore(STORE).delete(r.result); };
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
    });
  }
  async count() {
    return (await this.tx('readonly', (s) => s.count())) as number;
  }
}
