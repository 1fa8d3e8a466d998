// Sends window summaries and events (never audio) to the backend as cryscope.batch/1 batches.
// Off unless a backendUrl is configured. Each batch gets a UUID batchId — the idempotency key —
// before it is stored in the outbox, so a retry after a lost response is stored once by the server.
// Failures are retried with exponential backoff; batches wait in the outbox (IndexedDB) while offline.
import { BATCH_SCHEMA_V1, LIMITS, validateBatch, type BatchEvent, type BatchWindow, type DetectionBatchV1 } from './protocol/index.js';
import type { BatchStore } from './queue.js';
import type { DetectionEvent, WindowResult } from './types.js';

export type PosterState = 'idle' | 'sending' | 'sent' | 'retrying' | 'rejected' | 'stopped';

export interface PosterStatus {
  state: PosterState;
  /** Batches waiting in the outbox. */
  queued: number;
  /** Batches accepted by the backend during this session. */
  sent: number;
  /** Last error message, if any. */
  error?: string;
  /** When the next retry happens (ms since epoch), while retrying. */
  nextRetryAt?: number;
}

export interface PosterOptions {
  /** Backend base URL; batches go to `${backendUrl}/api/v1/detections`. */
  backendUrl: string;
  apiKey?: string;
  sessionId: string;
  deviceId: string;
  sessionStartedAt: string;
  models: DetectionBatchV1['models'];
  store: BatchStore;
  /** Max windows per batch (≤ protocol limit). */
  maxWindows?: number;
  /** Backoff: first delay and cap, milliseconds. Defaults 1000 and 60000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  fetch?: typeof fetch;
  uuid?: () => string;
  now?: () => number;
  onStatus?: (s: PosterStatus) => void;
}

/** Statuses that mean "try again later"; any other 4xx is a permanent rejection. */
const RETRYABLE = new Set([408, 425, 429]);

export class ResultPoster {
  private windows: BatchWindow[] = [];
  private events: BatchEvent[] = [];
  private sent = 0;
  private attempt = 0;
  private nextRetryAt = 0;
  private sending: Promise<void> | null = null;
  private status: PosterStatus = { state: 'idle', queued: 0, sent: 0 };
  readonly endpoint: string;

  constructor(private readonly o: PosterOptions) {
    const base = o.backendUrl.endsWith('/') ? o.backendUrl : `${o.backendUrl}/`;
    const origin = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    this.endpoint = new URL('api/v1/detections', new URL(base, origin)).href;
  }

  addWindow(w: WindowResult): void {
    const probs: BatchWindow['probs'] = { fused: clamp3(w.fused) };
    if (w.yamnet) probs.yamnet = clamp3(w.yamnet);
    if (w.wav2vec2) probs.wav2vec2 = clamp3(w.wav2vec2);
    this.windows.push({ start: w.start, end: w.end, probs });
  }

  addEvent(e: DetectionEvent): void {
    const ev: BatchEvent = { type: e.type, label: e.label, start: e.start, peak: clamp(e.peak) };
    if (e.type === 'offset' && e.end !== undefined) ev.end = e.end;
    if (e.mean !== undefined) ev.mean = clamp(e.mean);
    this.events.push(ev);
  }

  /** Moves buffered results into batches in the outbox, then tries to send the outbox. */
  async flush(): Promise<PosterStatus> {
    await this.enqueueBuffered();
    await this.sendQueued();
    return this.status;
  }

  private async enqueueBuffered(): Promise<void> {
    const maxW = Math.min(this.o.maxWindows ?? 200, LIMITS.maxWindows);
    while (this.windows.length || this.events.length) {
      const batch: DetectionBatchV1 = {
        schema: BATCH_SCHEMA_V1,
        batchId: (this.o.uuid ?? (() => crypto.randomUUID()))(),
        sessionId: this.o.sessionId,
        deviceId: this.o.deviceId,
        sentAt: new Date(this.now()).toISOString(),
        sessionStartedAt: this.o.sessionStartedAt,
        models: this.o.models,
        windows: this.windows.splice(0, maxW),
        events: this.events.splice(0, LIMITS.maxEvents),
      };
      const v = validateBatch(batch);
      if (!v.ok) {
        // A bug on our side, not a transient failure: report it rather than retry forever.
        this.setStatus({ state: 'rejected', error: `invalid batch not sent: ${v.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` });
        continue;
      }
      await this.o.store.put(batch);
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Sends queued batches oldest first; stops at the first retryable failure (keeps order). */
  async sendQueued(): Promise<void> {
    if (this.sending) return this.sending;
    if (this.now() < this.nextRetryAt) {
      this.setStatus({ state: 'retrying', queued: await this.o.store.count(), nextRetryAt: this.nextRetryAt });
      return;
    }
    this.sending = (async () => {
      try {
        for (;;) {
          const [batch] = await this.o.store.list(1);
          if (!batch) break;
          this.setStatus({ state: 'sending', queued: await this.o.store.count() });
          const outcome = await this.post(batch);
          if (outcome === 'retry') return;
          await this.o.store.delete(batch.batchId);
          if (outcome === 'ok') this.sent++;
          this.attempt = 0;
          this.nextRetryAt = 0;
        }
        if (this.status.state !== 'rejected') this.setStatus({ state: this.sent ? 'sent' : 'idle', queued: 0, error: undefined });
      } finally {
        this.sending = null;
      }
    })();
    return this.sending;
  }

  private async post(batch: DetectionBatchV1): Promise<'ok' | 'retry' | 'rejected'> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': batch.batchId };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    let error: string;
    try {
      const res = await (this.o.fetch ?? fetch)(this.endpoint, { method: 'POST', headers, body: JSON.stringify({ ...batch, sentAt: new Date(this.now()).toISOString() }) });
      if (res.ok) return 'ok';
      const text = await res.text().catch(() => '');
      error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (res.status < 500 && !RETRYABLE.has(res.status)) {
        this.setStatus({ state: 'rejected', error });
        return 'rejected';
      }
    } catch (e) {
      error = `network error: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.attempt++;
    const base = this.o.retryBaseMs ?? 1000;
    const cap = this.o.retryMaxMs ?? 60000;
    // Full jitter would make tests nondeterministic; ±20 % keeps devices from retrying in lockstep.
    const delay = Math.min(cap, base * 2 ** (this.attempt - 1)) * (0.8 + 0.4 * Math.random());
    this.nextRetryAt = this.now() + delay;
    this.setStatus({ state: 'retrying', error, queued: await this.o.store.count(), nextRetryAt: this.nextRetryAt });
    return 'retry';
  }

  /** Delay before the next retry is allowed (0 when none pending). */
  get retryInMs(): number {
    return Math.max(0, this.nextRetryAt - this.now());
  }

  private setStatus(s: Partial<PosterStatus>): void {
    this.status = { ...this.status, ...s, sent: this.sent };
    if (s.state !== 'retrying') delete this.status.nextRetryAt;
    this.o.onStatus?.({ ...this.status });
  }

  get currentStatus(): PosterStatus {
    return { ...this.status };
  }
}

function clamp(v: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
}
function clamp3(p: ArrayLike<number>): [number, number, number] {
  return [clamp(p[0]), clamp(p[1]), clamp(p[2])];
}
