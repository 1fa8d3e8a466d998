// A package-lock.json for a brand-new app that depends only on the packed cryscope tarball, derived
// from the repo's own lock.
//
// Why a lockfile: `npm install --offline` resolves every dependency through the registry's metadata
// documents (packuments), even for exact versions, and the root `npm ci` never caches those — it
// installs from the lock's name@version+integrity and caches only the tarballs. So on a fresh machine
// (empty ~/.npm) an offline `npm install` fails, while `npm ci --offline` with a lockfile needs nothing
// but the tarballs that the root `npm ci` has just put in the cache (content-addressed by integrity).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}

/** Node's lookup from the package at `from` (a lock key, '' = the root) for `name`. */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key] && !packages[key].link) return key;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/**
 * The lockfile (v3) of an app named `appName` whose only dependency is `cryscope` from `tarball`: the
 * cryscope entry points at the tarball (with its sha512), and every package of cryscope's runtime
 * dependency closure is copied from the repo's lock at the same path, so versions are exactly the ones
 * the repo tests with. Throws if a dependency is missing from the repo's lock.
 */
export function appLockfile(root: string, tarball: string, appName: string): { lock: object; dependencies: Record<string, string> } {
  const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const web = JSON.parse(readFileSync(join(root, 'web/package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; bin?: Record<string, string> };
  const closure: Record<string, LockEntry> = {};
  const visit = (from: string, deps: Record<string, string> | undefined) => {
    for (const name of Object.keys(deps ?? {})) {
      const key = locate(repoLock.packages, from, name);
      if (!key) throw new Error(`${name} (needed by ${from || 'cryscope'}) is not in the repo's package-lock.json`);
      if (closure[key]) continue;
      // In the app these are production dependencies, whatever the repo's lock flags them as.
      const { dev, devOptional, peer, ...entry } = repoLock.packages[key];
      closure[key] = entry;
      visit(key, { ...entry.dependencies, ...entry.optionalDependencies });
    }
  };
  visit('', web.dependencies);
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const dependencies = { cryscope: spec };
  const lock = {
    name: appName,
    version: '0.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: appName, version: '0.0.0', dependencies },
      'node_modules/cryscope': { version: web.version, resolved: spec, integrity, license: web.license, dependencies: web.dependencies, bin: web.bin },
      ...closure,
    },
  };
  return { lock, dependencies };
}
