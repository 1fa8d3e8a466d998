// Shared helpers for the WASM tests: load the built module, run the native dumper, read its files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CryscopeCore } from '../../wasm/cryscope_core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// CRYSCOPE_WASM_DIST: test another build of the module (e.g. an exception-model experiment).
export const DIST = process.env.CRYSCOPE_WASM_DIST ?? join(ROOT, 'wasm/dist');
const DUMPER = join(ROOT, 'build/wasm-native/cryscope_native_dump');

export async function loadCore(options: Record<string, unknown> = {}): Promise<CryscopeCore> {
  const mjs = join(DIST, 'cryscope_core.mjs');
  if (!existsSync(mjs)) throw new Error(`${mjs} missing: run scripts/wasm-setup.sh`);
  const mod = await import(mjs);
  return mod.default(options);
}

/** Runs the native dumper once per process into build/wasm-parity and returns its index. */
let dumped: { dir: string; index: any } | undefined;
export function nativeDump(): { dir: string; index: any } {
  if (dumped) return dumped;
  if (!existsSync(DUMPER)) throw new Error(`${DUMPER} missing: run scripts/wasm-setup.sh`);
  const dir = join(ROOT, 'build/wasm-parity');
  mkdirSync(dir, { recursive: true });
  execFileSync(DUMPER, [dir], { stdio: 'inherit' });
  dumped = { dir, index: JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) };
  return dumped;
}

export function readF32(dir: string, name: string): Float32Array {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Max |a − b|; lengths must match. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Deterministic test tone + noise at `rate` Hz. */
export function tone(rate: number, seconds: number, seed = 1): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = 0.5 * Math.sin((2 * Math.PI * 523 * i) / rate) + ((s >>> 8) / 16777216 - 0.5) * 0.05;
  }
  return x;
}
