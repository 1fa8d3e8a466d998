import { type ChildProcess, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, waitFor } from './ports.js';

/** Path of the Temporal CLI installed by scripts/server-setup.sh (override: TEMPORAL_CLI). */
export function temporalCli(): string {
  return process.env.TEMPORAL_CLI || join(process.env.CRYSCOPE_CACHE || join(homedir(), '.cache', 'cryscope'), 'temporal');
}

/**
 * SQLite settings for the dev server's state file. WAL with synchronous=NORMAL survives a
 * process crash or kill (what the fault tests do) and only risks the last commits on power
 * loss; the default (rollback journal, full sync per commit) limits the dev server to a few
 * dozen workflow starts per second on a small machine.
 */
export const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

/**
 * A real Temporal dev server (`temporal server start-dev`) with its state in a SQLite file, so
 * stop() + start() is a server restart that keeps every workflow (used by the fault tests).
 */
export class TemporalDevServer {
  private proc: ChildProcess | null = null;
  port = 0;
  uiPort = 0;
  log = '';

  constructor(readonly stateFile: string, private readonly ui = false) {}

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    if (!this.uiPort) this.uiPort = await freePort();
    const args = ['server', 'start-dev', '--db-filename', this.stateFile, '--ip', '127.0.0.1', '--port', String(this.port),
      '--ui-port', String(this.uiPort), '--log-level', 'error', ...(this.ui ? [] : ['--headless']), ...SQLITE_PRAGMAS];
    const proc = spawn(temporalCli(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-20_000); };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    await waitFor(`Temporal dev server on ${this.address}`, async () => {
      if (proc.exitCode !== null) return true;
      const conn = await Connection.connect({ address: this.address, connectTimeout: '1s' });
      try {
        // The namespace exists once the dev server has finished its own set-up.
        await conn.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } finally {
        await conn.close();
      }
    }, 60_000, 300);
    if (proc.exitCode !== null) throw new Error(`temporal exited (${proc.exitCode}): ${this.log.slice(-2000)}`);
  }

  /** Stops the server (SIGTERM; SIGKILL if it lingers) and waits for the process to exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    this.proc = null;
  }
}
