import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from '../config.js';
import { freePort, waitFor } from './ports.js';

/** The compiled entry point (scripts/server-setup.sh builds it). */
export const MAIN_JS = `${REPO_ROOT}/server/dist/server/src/main.js`;

export interface ServerProcessOptions {
  role: 'all' | 'api' | 'worker';
  env: Record<string, string>;
  /** HTTP port (roles all/api); a free one when omitted. */
  port?: number;
  /** Script to run instead of MAIN_JS, taking the same arguments (a test harness's entry). */
  entry?: string;
}

/** One cryscope server process (API, worker or both) — the real binary, started like in production. */
export class ServerProcess {
  private proc: ChildProcess | null = null;
  port = 0;
  log = '';

  constructor(private readonly opts: ServerProcessOptions) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    if (this.opts.role !== 'worker' && !this.port) this.port = this.opts.port ?? (await freePort());
    const proc = spawn(process.execPath, [this.opts.entry ?? MAIN_JS, '--role', this.opts.role], {
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(this.port), ...this.opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-50_000); };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const want = [...(this.opts.role !== 'api' ? ['worker ready'] : []), ...(this.opts.role !== 'worker' ? ['api listening'] : [])];
    await waitFor(`server (${this.opts.role}) to start`, async () => proc.exitCode !== null || want.every((w) => this.log.includes(w)), 60_000, 100);
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${this.log.slice(-3000)}`);
  }

  /** SIGKILL: the process dies mid-whatever, as in a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: clean shutdown. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals) {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(sig);
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
    this.proc = null;
  }
}

