#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli.js (built from web/src/cli by scripts/web-setup.sh).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(e); process.exitCode = 1; },
);
