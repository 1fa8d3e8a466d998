// Start-up of the Temporal dev server the demo and the tests run (server/src/devstack/temporal.ts).
// In CI the CLI once picked our frontend port for one of its internal services and exited "address already in
// use"; start() now tries again. That collision cannot be provoked on purpose, so here the CLI is wrapped by a
// script that fails the first N starts with the CLI's own message, then runs the real CLI (every stack test
// starts the real one unwrapped).

import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { START_ATTEMPTS, TemporalDevServer, temporalCli } from '../../server/src/devstack/temporal.js';

const REAL_CLI = temporalCli();
const tmp = mkdtempSync(join(tmpdir(), 'cryscope-temporal-'));
const saved = process.env.TEMPORAL_CLI;
afterEach(() => { if (saved === undefined) delete process.env.TEMPORAL_CLI; else process.env.TEMPORAL_CLI = saved; });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A CLI that fails its first `failures` starts with `message` (exit 2), then is the real CLI. */
function flakyCli(name: string, failures: number, message: string): string {
  const script = join(tmp, `${name}.sh`);
  const count = join(tmp, `${name}.count`);
  writeFileSync(script, `#!/bin/sh
n=$(cat '${count}' 2>/dev/null || echo 0); echo $((n + 1)) > '${count}'
if [ "$n" -lt ${failures} ]; then echo '${message}' >&2; exit 2; fi
exec '${REAL_CLI}' "$@"
`);
  chmodSync(script, 0o755);
  return script;
}
const COLLISION = 'level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:36083: bind: address already in use" service=worker';

describe.skipIf(!existsSync(REAL_CLI))('Temporal dev server start-up', () => {
  it('a port collision at start-up is retried: the second attempt starts the real server, which answers', async () => {
    process.env.TEMPORAL_CLI = flakyCli('once', 1, COLLISION);
    const server = new TemporalDevServer(join(tmp, 'once.db'));
    try {
      await server.start();
      expect(server.attempts).toBe(2);
      const conn = await Connection.connect({ address: server.address });
      try {
        const ns = await conn.workflowService.describeNamespace({ namespace: 'default' });
        expect(ns.namespaceInfo?.name).toBe('default');
      } finally {
        await conn.close();
      }
    } finally {
      await server.stop();
    }
  }, 120_000);

  it(`a collision that does not clear: ${START_ATTEMPTS} attempts, then an error that says why`, async () => {
    process.env.TEMPORAL_CLI = flakyCli('always', 99, COLLISION);
    const server = new TemporalDevServer(join(tmp, 'always.db'));
    await expect(server.start()).rejects.toThrow(/temporal exited \(2\)[\s\S]*address already in use[\s\S]*after 3 attempts/);
    expect(server.attempts).toBe(START_ATTEMPTS);
  }, 60_000);

  it('any other start-up failure is not retried', async () => {
    process.env.TEMPORAL_CLI = flakyCli('other', 99, 'Error: unknown flag: --sqlite-pragma');
    const server = new TemporalDevServer(join(tmp, 'other.db'));
    await expect(server.start()).rejects.toThrow(/temporal exited \(2\)[\s\S]*unknown flag/);
    expect(server.attempts).toBe(1);
  }, 60_000);
});
