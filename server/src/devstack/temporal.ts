import { type ChildProcess, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, sleep, waitFor } from './ports.js';

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

/** Start-up attempts when the dev server collides with a port (see start()). */
export const START_ATTEMPTS = 3;
const RETRY_DELAY_MS = 500;

/**
 * A real Temporal dev server (`temporal server start-dev`) with its state in a SQLite file, so
 * stop() + start() is a server restart that keeps every workflow (used by the fault tests).
 */
export class TemporalDevServer {
  private proc: ChildProcess | null = null;
  port = 0;
  uiPort = 0;
  log = '';
  /** Start-up attempts the last start() made (1 unless a port collided). */
  attempts = 0;

  constructor(readonly stateFile: string, private readonly ui = false) {}

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server; if it exits at start-up with "address already in use", tries again (up to
   * START_ATTEMPTS, the same ports). Why: the CLI picks free ports for its internal services
   * (history, matching, worker) itself, after our frontend port was chosen but before it is bound, and
   * now and then picks that same port (seen in CI: the worker service could not bind the frontend's
   * port). That race is the dev server's own, not a fault to report; any other exit is thrown at once.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.attempts = attempt;
      try {
        await this.startOnce();
        return;
      } catch (err) {
        if (attempt >= START_ATTEMPTS || !/address already in use/.test(this.log)) {
          throw attempt > 1 ? new Error(`${(err as Error).message} (after ${attempt} attempts)`) : err;
        }
        await this.stop(); // an attempt that timed out may still be running: never leave it behind
        this.log = '';
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  private async startOnce(): Promise<void> {
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
