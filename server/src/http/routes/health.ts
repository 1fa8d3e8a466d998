import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { PUBLIC_ROUTE } from './auth-hook.js';

/** /healthz: the process is alive. /readyz: it can do its job (Temporal and database answer). */
export function registerHealth(app: FastifyInstance, { db, ingest }: AppDeps) {
  app.get('/healthz', PUBLIC_ROUTE, async () => ({ status: 'ok' }));
  app.get('/readyz', PUBLIC_ROUTE, async (_req, reply) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000))]);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message.split('\n')[0] };
      }
    };
    const [temporal, database] = await Promise.all([check(() => ingest.ping()), check(() => db.query('SELECT 1'))]);
    const ready = temporal.ok && database.ok;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', temporal, database: { kind: db.kind, ...database } });
  });
}
