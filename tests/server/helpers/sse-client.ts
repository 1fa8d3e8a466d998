/**
 * A test client of GET /api/v1/stream: the same parser the monitor page uses
 * (server/monitor/sse-parse.js) over a real fetch() stream, collecting events as they arrive
 * with their arrival time.
 */
// @ts-expect-error plain JS module of the page, no type declarations
import { parseSse } from '../../../server/monitor/sse-parse.js';

export interface Arrived { id: string | null; event: string; data: any; at: number }

export class SseClient {
  readonly events: Arrived[] = [];
  private readonly ctl = new AbortController();
  status = 0;
  ended: Promise<void> = Promise.resolve();

  constructor(private readonly url: string, private readonly key: string) {}

  async open(lastEventId?: string) {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const res = await fetch(`${this.url}/api/v1/stream`, { headers, signal: this.ctl.signal });
    this.status = res.status;
    if (res.status !== 200) return this;
    this.ended = (async () => {
      try {
        for await (const ev of parseSse(res.body)) this.events.push({ id: ev.id, event: ev.event, data: JSON.parse(ev.data), at: performance.now() });
      } catch { /* aborted */ }
    })();
    return this;
  }

  detections() {
    return this.events.filter((e) => e.event === 'detection');
  }

  close() {
    this.ctl.abort();
    return this.ended;
  }
}
