import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db/adapter.js';
import { loadClipClassifier, type ClipClassifier } from '../clips/classify.js';
import { createActivities, type ActivityDeps } from './activities.js';
import { WORKFLOW_BUNDLE_PATH } from './bundle-path.js';

export interface WorkerOptions {
  /** Worker identity recorded with each stored batch. Default cryscope-worker@<host>:<pid>. */
  identity?: string;
  /** Injected into every storage transaction (a test harness's hook; none in production). */
  beforeCommit?: ActivityDeps['beforeCommit'];
}

/**
 * Creates (does not run) a Temporal worker for the ingest task queue. Uses the prebuilt
 * workflow bundle (scripts/server-setup.sh) when present, else bundles workflows.ts at start
 * (webpack, offline, a few seconds).
 */
export async function createWorker(config: ServerConfig, db: Db, options: WorkerOptions = {}) {
  const identity = options.identity ?? `cryscope-worker@${hostname()}:${process.pid}`;
  installRuntimeOnce(config.logLevel);
  const connection = await connectWithRetry(config.temporalAddress);
  let classifier: Promise<ClipClassifier> | null = null;
  const activities = createActivities({
    db,
    config,
    identity,
    clipClassifier: config.clipsEnabled ? () => (classifier ??= loadClipClassifier()) : undefined,
    beforeCommit: options.beforeCommit,
  });
  const workflowSource = existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)) };
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    identity,
    activities,
    ...workflowSource,
    maxConcurrentActivityTaskExecutions: config.workerMaxActivities,
    // Finish in-flight activities on SIGINT/SIGTERM before exiting (clean Ctrl-C).
    shutdownGraceTime: '5s',
  });
  return { worker, connection, identity };
}

/** Temporal may still be starting (demo, CI, a supervisor restart): keep trying for ~60 s. */
async function connectWithRetry(address: string, attempts = 60): Promise<NativeConnection> {
  for (let i = 1; ; i++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (i >= attempts) throw err;
      if (i === 1) console.warn(`worker: Temporal at ${address} not reachable yet; retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

let runtimeInstalled = false;
/** The SDK logs every state change at INFO; follow our LOG_LEVEL instead (once per process). */
function installRuntimeOnce(level: string) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const map: Record<string, 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' };
  Runtime.install({ logger: new DefaultLogger(map[level] ?? 'WARN') });
}
