// Vitest for the WASM core: loads the real wasm/dist build in Node and compares it with the native
// core (build/wasm-native/cryscope_native_dump). Run from the repo root:
//   npx vitest run --config tests/wasm/vitest.config.ts
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  test: {
    root: here,
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
