// Vitest for the server: integration against a real Temporal dev server, a real PostgreSQL
// (started by the tests) and the embedded PGlite, plus unit tests of the pure parts.
// Run from the repo root after scripts/server-setup.sh:
//   npx vitest run --config tests/server/vitest.config.ts
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  test: {
    root: here,
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Each file starts its own Temporal + database + server processes; on a 2-core machine
    // running them one file at a time is both faster and free of timing noise.
    fileParallelism: false,
  },
});
