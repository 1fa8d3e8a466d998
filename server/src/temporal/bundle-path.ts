import { fileURLToPath } from 'node:url';

/** Where scripts/server-setup.sh writes the prebuilt workflow bundle (next to compiled code). */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('./workflow-bundle.cjs', import.meta.url));
