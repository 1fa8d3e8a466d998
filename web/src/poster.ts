// Sends window summaries and events (never audio) to the backend as cryscope.batch/1 batches.
// Off unless a backendUrl is configured. Each batch gets a UUID batchId — the idempotency key —
// before it is stored in the outbox, so a retry after a lost response is stored once by the server.
// Failures are retried with exponential backoff; batches wait in the outbox (IndexedDB) while offline.
// Onset/offset events are sent the moment they arrive (a caregiver must not wait for the next
// batch, and a tab closed right after a cry must not lose it); window summaries wait for flush().
// sendForUnload() is the pagehide path: synchronous up to the fetch calls, keepalive requests only.
// Device state (setDevice): every batch carries the device's current state; a change is sent at
// once, and flush() sends a state-only beat when nothing else is buffered and nothing is waiting in
// the outbox (a paused device sends no windows but must not look offline to the caregiver; a
// backend that is down does not collect a beat every interval).
import { byteLength, packBatches } from './batches.js';
import { KeepaliveBudget, pageKeepalive, unloadOrder } from './keepalive.js';
import { validateBatch, type BatchEvent, type BatchWindow, type DetectionBatchV1, type DeviceStateReport } from './protocol/index.js';
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
  /** A failure that is not a send failure (the outbox could not be written), for a warning. */
  onError?: (e: Error) => void;
  /** Keepalive quota; default the page's shared one. */
  keepalive?: KeepaliveBudget;
  /** The device's state to report from the first batch on (see setDevice). */
  device?: DeviceStateReport;
}

type Outcome = 'ok' | 'retry' | 'rejected';

/** Statuses that mean "try again later"; any other 4xx is a permanent rejection. */
const RETRYABLE = new Set([408, 425, 429]);

export class ResultPoster {
  private windows: BatchWindow[] = [];
  private events: BatchEvent[] = [];
  private sent = 0;
  private attempt = 0;
  private nextRetryAt = 0;
  private sending: Promise<void> | null = null;
  private again = false;
  /** This session's batches not yet accepted, by batchId (insertion order): the outbox's in-memory
   *  mirror, so sendForUnload() can send without waiting for IndexedDB. */
  private unsent = new Map<string, DetectionBatchV1>();
  /** Requests in flight by batchId, so no batch is posted twice at once. */
  private inFlight = new Map<string, Promise<Outcome>>();
  private readonly keepalive: KeepaliveBudget;
  private status: PosterStatus = { state: 'idle', queued: 0, sent: 0 };
  private device: DeviceStateReport | undefined;
  readonly endpoint: string;

  constructor(private readonly o: PosterOptions) {
    const base = o.backendUrl.endsWith('/') ? o.backendUrl : `${o.backendUrl}/`;
    const origin = typeof location !== 'undefined' ? location.href : 'http://localhost/';
    this.endpoint = new URL('api/v1/detections', new URL(base, origin)).href;
    this.keepalive = o.keepalive ?? pageKeepalive;
    this.device = o.device;
  }

  /**
   * The device's state changed: later batches carry it, and a batch goes out at once (a beat if
   * nothing is buffered) past any backoff. The same state and reasons again change nothing.
   */
  setDevice(report: DeviceStateReport): void {
    const same = this.device && this.device.state === report.state &&
      (this.device.reasons ?? []).join() === (report.reasons ?? []).join();
    if (same) return;
    this.device = report;
    this.flush({ now: true, beat: true }).catch((err) => this.o.onError?.(err instanceof Error ? err : new Error(String(err))));
  }

  get deviceState(): DeviceStateReport | undefined {
    return this.device;
  }

  addWindow(w: WindowResult): void {
    const probs: BatchWindow['probs'] = { fused: clamp3(w.fused) };
    if (w.yamnet) probs.yamnet = clamp3(w.yamnet);
    if (w.wav2vec2) probs.wav2vec2 = clamp3(w.wav2vec2);
    this.windows.push({ start: w.start, end: w.end, probs });
  }

  /** Buffers the event and sends it at once (with the windows buffered so far), past any backoff. */
  addEvent(e: DetectionEvent): void {
    const ev: BatchEvent = { type: e.type, label: e.label, start: e.start, peak: clamp(e.peak) };
    if (e.type === 'offset' && e.end !== undefined) ev.end = e.end;
    if (e.mean !== undefined) ev.mean = clamp(e.mean);
    this.events.push(ev);
    this.flush({ now: true }).catch((err) => this.o.onError?.(err instanceof Error ? err : new Error(String(err))));
  }

  /**
   * Moves buffered results into batches in the outbox, then tries to send the outbox.
   * `now`: ignore the retry backoff (an event is worth a try even while the network was failing).
   * `beat` (default true when a device state is set): with nothing buffered and nothing unsent,
   * send a state-only batch, so the backend hears from a device that has nothing else to say.
   */
  async flush(opts: { now?: boolean; beat?: boolean } = {}): Promise<PosterStatus> {
    await this.enqueue(this.pack(opts.beat ?? (this.unsent.size === 0)));
    await this.sendQueued(opts);
    return this.status;
  }

  /**
   * The session ends: queues everything buffered in the outbox (resolves once written) and sends
   * in the background, so a stalled network cannot hold up a stop or a microphone restart.
   */
  async finish(): Promise<void> {
    await this.enqueue(this.pack());
    this.sendQueued({ now: true }).catch((err) => this.o.onError?.(err instanceof Error ? err : new Error(String(err))));
  }

  /** Packs the buffer into batches and remembers them as unsent (synchronous). */
  private pack(beat = false): DetectionBatchV1[] {
    const batches = packBatches({ ...this.o, device: this.device }, this.windows, this.events, {
      beat, maxWindows: this.o.maxWindows ?? 200, uuid: this.o.uuid ?? (() => crypto.randomUUID()), sentAt: new Date(this.now()).toISOString(),
    });
    for (const b of batches) this.unsent.set(b.batchId, b);
    return batches;
  }

  private async enqueue(batches: DetectionBatchV1[]): Promise<void> {
    const valid = batches.filter((b) => {
      const v = validateBatch(b);
      if (v.ok) return true;
      // A bug on our side, not a transient failure: report it rather than retry forever.
      this.unsent.delete(b.batchId);
      this.setStatus({ state: 'rejected', error: `invalid batch not sent: ${v.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` });
      return false;
    });
    // All puts are issued now, in order: on unload a batch may be accepted (and deleted from the
    // outbox) within milliseconds, and its delete must not overtake its put.
    await Promise.all(valid.map((b) => this.o.store.put(b)));
  }

  /**
   * The page is being hidden or closed: packs everything buffered, writes it to the outbox (best
   * effort: the page may be gone before IndexedDB commits) and sends every unsent batch of this
   * session that fits the keepalive quota, event batches first. What does not fit stays in the
   * outbox for the next flush or the next visit. Returns how many batches were sent / left.
   */
  sendForUnload(): { sending: number; left: number } {
    const fresh = this.pack();
    this.enqueue(fresh).catch((err) => this.o.onError?.(err instanceof Error ? err : new Error(String(err))));
    let sending = 0;
    let left = 0;
    for (const b of unloadOrder([...this.unsent.values()])) {
      if (this.inFlight.has(b.batchId)) { sending++; continue; }
      if (this.deliver(b, true)) sending++;
      else left++;
    }
    return { sending, left };
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Sends queued batches oldest first; stops at the first retryable failure (keeps order). */
  async sendQueued(opts: { now?: boolean } = {}): Promise<void> {
    if (opts.now) this.nextRetryAt = 0;
    if (this.sending) {
      // A batch put after the running loop last looked at the outbox must not wait for the next flush.
      this.again = true;
      return this.sending;
    }
    if (this.now() < this.nextRetryAt) {
      this.setStatus({ state: 'retrying', queued: await this.o.store.count(), nextRetryAt: this.nextRetryAt });
      return;
    }
    this.sending = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const [batch] = await this.o.store.list(1);
            if (!batch) break;
            this.setStatus({ state: 'sending', queued: await this.o.store.count() });
            if ((await this.deliver(batch, false)) === 'retry') return;
          }
        } while (this.again && this.now() >= this.nextRetryAt);
        if (this.status.state !== 'rejected') this.setStatus({ state: this.sent ? 'sent' : 'idle', queued: await this.o.store.count(), error: undefined });
      } finally {
        this.sending = null;
      }
    })();
    return this.sending;
  }

  /**
   * Posts one batch (once at a time) and settles the outbox: removed when accepted or rejected for
   * good, kept (with backoff) otherwise. `keepaliveOnly`: on unload, a request that cannot be
   * keepalive would die with the page, so it is not made (returns null).
   */
  private deliver(batch: DetectionBatchV1, keepaliveOnly: boolean): Promise<Outcome> | null {
    const running = this.inFlight.get(batch.batchId);
    if (running) return running;
    const body = JSON.stringify({ ...batch, sentAt: new Date(this.now()).toISOString() });
    const bytes = byteLength(body);
    const keepalive = this.keepalive.take(bytes);
    if (!keepalive && keepaliveOnly) return null;
    const p = this.post(batch, body, keepalive).then(async (outcome) => {
      if (outcome !== 'retry') {
        this.unsent.delete(batch.batchId);
        await this.o.store.delete(batch.batchId);
        if (outcome === 'ok') this.sent++;
        this.attempt = 0;
        this.nextRetryAt = 0;
      }
      return outcome;
    }).finally(() => {
      if (keepalive) this.keepalive.release(bytes);
      this.inFlight.delete(batch.batchId);
    });
    this.inFlight.set(batch.batchId, p);
    return p;
  }

  private async post(batch: DetectionBatchV1, body: string, keepalive: boolean): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': batch.batchId };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    let error: string;
    try {
      // Keepalive whenever the quota allows: a request already on its way survives the tab closing.
      const res = await (this.o.fetch ?? fetch)(this.endpoint, { method: 'POST', headers, body, keepalive });
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

  get sessionId(): string {
    return this.o.sessionId;
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
