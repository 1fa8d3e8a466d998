/**
 * Prebuilds the workflow bundle (webpack, shipped inside @temporalio/worker; works offline)
 * so workers start in well under a second. Run by scripts/server-setup.sh after tsc.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH } from './bundle-path.js';

const { code } = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
  logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
});
writeFileSync(WORKFLOW_BUNDLE_PATH, code);
console.log(`workflow bundle: ${WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
