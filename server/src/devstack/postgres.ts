import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Finds Debian's PostgreSQL binaries (/usr/lib/postgresql/<major>/bin), newest first. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((d) => existsSync(join(base, d, 'bin', 'initdb'))) : [];
  if (!majors.length) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  return join(base, majors.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/**
 * A throw-away real PostgreSQL server in a temp directory (initdb + pg_ctl), listening on
 * 127.0.0.1:<free port>. PostgreSQL refuses to run as root, so when we are root the commands
 * run as the `postgres` system user.
 */
export class PostgresServer {
  readonly dir: string;
  port = 0;
  private readonly asUser: string[];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'cryscope-pg-'));
    this.asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    if (this.asUser.length) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chmodSync(this.dir, 0o700);
      chownSync(this.dir, uid, gid);
    }
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/cryscope`;
  }

  private run(bin: string, args: string[]) {
    const cmd = [...this.asUser, join(postgresBinDir(), bin), ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  async init(): Promise<void> {
    this.port = await freePort();
    this.run('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await this.start();
    this.run('createdb', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', 'cryscope']);
  }

  async start(): Promise<void> {
    // fsync off: a test database, and the tests kill processes, not the machine.
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start',
      '-o', `-h 127.0.0.1 -p ${this.port} -k ${this.dir} -c fsync=off -c max_connections=200`]);
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-w', '-t', '30', '-m', mode, 'stop']);
  }

  async destroy(): Promise<void> {
    try { await this.stop('immediate'); } catch { /* already stopped */ }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
