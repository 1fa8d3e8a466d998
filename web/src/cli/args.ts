// Argument parsing for `cryscope` (no dependency; strict: unknown flags are errors).
import { FUSION_METHODS, type FusionMethod } from '../options.js';
import type { ModelName } from '../labels.js';
import type { LoadClassifierOptions } from '../node/index.js';

export interface CommonArgs {
  modelsDir?: string;
  models?: ModelName[];
  fusion?: FusionMethod;
  fp32: boolean;
  quiet: boolean;
}
export type Command =
  | ({ cmd: 'classify'; files: string[]; json: boolean } & CommonArgs)
  | ({ cmd: 'eval'; manifest: string; jsonOut?: string; limit?: number } & CommonArgs)
  | { cmd: 'help' }
  | { cmd: 'version' };

export const USAGE = `Usage:
  cryscope classify FILE… [--json]            per-window and per-file results for WAV/FLAC files
  cryscope eval MANIFEST.csv [--json OUT]     metrics over a labelled manifest (columns: file|path|file_path, label)
Options:
  --models-dir DIR     folder with manifest.json and the ONNX models (default: bundled, else models/build)
  --models LIST        yamnet,wav2vec2 (default both)
  --fusion METHOD      ${FUSION_METHODS.join('|')} (default: the manifest's)
  --fp32               use the fp32 Wav2Vec2 instead of int8
  --limit N            eval: only the first N rows
  --quiet              no progress on stderr
  -h, --help, --version`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return { cmd: 'help' };
  if (argv[0] === '--version') return { cmd: 'version' };
  const [cmd, ...rest] = argv;
  if (cmd !== 'classify' && cmd !== 'eval') throw new UsageError(`unknown command "${cmd}" (expected classify or eval)`);
  const common: CommonArgs = { fp32: false, quiet: false };
  const positional: string[] = [];
  let json = false;
  let jsonOut: string | undefined;
  let limit: number | undefined;
  const value = (i: number, flag: string) => {
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') {
      if (cmd === 'eval') { jsonOut = value(i, '--json'); i++; } else json = true;
    } else if (a === '--models-dir') { common.modelsDir = value(i, a); i++; }
    else if (a === '--models') {
      const list = value(i, a).split(',').map((s) => s.trim()).filter(Boolean);
      for (const m of list) if (m !== 'yamnet' && m !== 'wav2vec2') throw new UsageError(`--models: unknown model "${m}"`);
      if (!list.length) throw new UsageError('--models needs at least one model');
      common.models = list as ModelName[];
      i++;
    } else if (a === '--fusion') {
      const f = value(i, a);
      if (!FUSION_METHODS.includes(f as FusionMethod)) throw new UsageError(`--fusion must be one of ${FUSION_METHODS.join(', ')}`);
      common.fusion = f as FusionMethod;
      i++;
    } else if (a === '--limit' && cmd === 'eval') {
      limit = Number(value(i, a));
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      i++;
    } else if (a === '--fp32') common.fp32 = true;
    else if (a === '--quiet') common.quiet = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    else positional.push(a);
  }
  if (cmd === 'classify') {
    if (!positional.length) throw new UsageError('classify needs at least one FILE');
    return { cmd, files: positional, json, ...common };
  }
  if (positional.length !== 1) throw new UsageError('eval needs exactly one MANIFEST.csv');
  return { cmd, manifest: positional[0], jsonOut, limit, ...common };
}

/** The classifier options a command's flags ask for (no flag: the package defaults, as in the browser). */
export function classifierOptions(c: CommonArgs): LoadClassifierOptions {
  const o: LoadClassifierOptions = {};
  if (c.modelsDir !== undefined) o.modelsDir = c.modelsDir;
  if (c.models !== undefined) o.models = c.models;
  if (c.fusion !== undefined) o.fusionMethod = c.fusion;
  if (c.fp32) o.wav2vec2Precision = 'fp32';
  return o;
}
