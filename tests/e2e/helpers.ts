// Shared helpers for the Chromium end-to-end tests: real audio from ../shared (converted to WAV at
// test time into a temp dir, never committed), the static server, and Chromium with a fake mic.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = resolve(process.env.CRYSCOPE_SHARED ?? join(ROOT, '..', 'shared'));
export const RESULTS = join(ROOT, 'test-results', 'e2e');
export const TMP = mkdtempSync(join(tmpdir(), 'cryscope-e2e-'));
mkdirSync(RESULTS, { recursive: true });

function csv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
    else if (c === '"') q = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

export interface Clip { file: string; path: string; label: string; category: string; duration: number }

/** Test-split clips (never trained on), joined with the data manifest's category and duration. */
export function testClips(): Clip[] {
  const split = readFileSync(join(ROOT, 'models/splits/split.csv'), 'utf8').trim().split(/\r?\n/).map(csv);
  const sh = split[0];
  const test = new Set(split.slice(1).filter((r) => r[sh.indexOf('split')] === 'test').map((r) => r[sh.indexOf('file')]));
  const man = readFileSync(join(SHARED, 'data/MANIFEST.csv'), 'utf8').trim().split(/\r?\n/).map(csv);
  const h = man[0];
  return man.slice(1).filter((r) => test.has(r[h.indexOf('file')])).map((r) => ({
    file: r[h.indexOf('file')], path: join(SHARED, 'data', r[h.indexOf('file')]), label: r[h.indexOf('label')],
    category: r[h.indexOf('category')], duration: Number(r[h.indexOf('duration_s')]),
  }));
}

/** The longest test clip of a label (and category): a deterministic choice, not a hand-picked one. */
export function longestClip(label: string, category?: string): Clip {
  const c = testClips().filter((x) => x.label === label && (!category || x.category === category)).sort((a, b) => b.duration - a.duration || a.file.localeCompare(b.file))[0];
  if (!c) throw new Error(`no test clip for ${label}/${category}`);
  return c;
}

/** Converts audio to a 16-bit mono WAV at `rate` with silence before/after (sox). */
export function toWav(src: string | string[], name: string, opts: { rate?: number; pre?: number; post?: number } = {}): string {
  const out = join(TMP, name);
  const inputs = Array.isArray(src) ? src : [src];
  execFileSync('sox', [...inputs, '-r', String(opts.rate ?? 48000), '-b', '16', '-c', '1', out, 'pad', String(opts.pre ?? 0), String(opts.post ?? 0)], { stdio: 'pipe' });
  return out;
}

export interface Served { url: string; close: () => void; proc: ChildProcess }

/** Starts web/demo/serve.mjs on a free port. */
export async function serve(root: string, extra: string[] = []): Promise<Served> {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`nothing to serve at ${root} (run scripts/web-setup.sh)`);
  const proc = spawn(process.execPath, [join(ROOT, 'web/demo/serve.mjs'), '--root', root, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let buf = '';
    proc.stdout!.on('data', (d) => {
      buf += d;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) res(m[1]);
    });
    proc.on('exit', (c) => rej(new Error(`server exited ${c}`)));
    setTimeout(() => rej(new Error('server did not start')), 10000);
  });
  return { url, proc, close: () => proc.kill('SIGTERM') };
}

export const BASE_FLAGS = [
  '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** Chromium with a fake microphone playing `wav` (looped by Chromium). */
export async function launch(opts: { wav?: string; fakeUi?: boolean; fakeDevice?: boolean } = {}): Promise<Browser> {
  const args = [...BASE_FLAGS];
  if (opts.fakeDevice !== false) args.push('--use-fake-device-for-media-stream');
  if (opts.fakeUi !== false) args.push('--use-fake-ui-for-media-stream');
  if (opts.wav) args.push(`--use-file-for-fake-audio-capture=${opts.wav}`);
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args });
}

/** Collects console errors and third-party requests for assertions. */
export function watch(context: BrowserContext, origin: string) {
  const foreign: string[] = [];
  const errors: string[] = [];
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  context.on('page', (p) => p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); }));
  return { foreign, errors };
}
