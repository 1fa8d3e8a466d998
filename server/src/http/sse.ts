import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './static.js';

/**
 * One Server-Sent Events response on a hijacked reply (Fastify does not send it for us, so the
 * security headers are written here too). `closed` resolves when the client goes away or the
 * server shuts down; writes after that are dropped.
 */
export class SseStream {
  closed = false;
  private readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly req: FastifyRequest, private readonly reply: FastifyReply) {
    this.done = new Promise((r) => { this.finish = r; });
    securityHeaders(reply);
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      // Never cached, never buffered by a proxy: every event must reach the caregiver now.
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    req.raw.socket.setNoDelay(true);
    reply.raw.on('close', () => this.close());
  }

  /** Sends one event; `id` becomes the client's Last-Event-ID. Data is one JSON line. */
  send(event: string, data: unknown, id?: number) {
    if (this.closed) return;
    this.reply.raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: keeps idle proxies and the client's own timeout from dropping the stream. */
  ping() {
    if (!this.closed) this.reply.raw.write(': ping\n\n');
  }

  /** How long the browser waits before reconnecting after a drop (SSE "retry:"), ms. */
  retry(ms: number) {
    if (!this.closed) this.reply.raw.write(`retry: ${ms}\n\n`);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.reply.raw.end();
    this.finish();
  }

  /** Resolves after `ms`, or earlier when the stream closes. */
  wait(ms: number) {
    return Promise.race([this.done, new Promise<void>((r) => setTimeout(r, ms).unref())]);
  }
}
