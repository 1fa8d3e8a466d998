// Test-only entry of the cryscope server: the real compiled server (server/dist, started like
// main.js with --role ...) whose worker holds each storage transaction open for
// CRYSCOPE_TEST_HOLD_MS ms, after its writes and before it commits, when it stores a session
// named "hold-*" — so faults.test.ts can kill the worker mid-activity. The hook is injected
// here (WorkerOptions.beforeCommit); production code has no such behaviour.
import { runServer } from '../../../server/dist/server/src/serve.js';

const holdMs = Number(process.env.CRYSCOPE_TEST_HOLD_MS) || 0;

runServer({
  worker: {
    async beforeCommit(batches) {
      if (holdMs && batches.some((b) => b.sessionId.startsWith('hold-'))) await new Promise((r) => setTimeout(r, holdMs));
    },
  },
});
