/**
 * Entry point: `node server/dist/server/src/main.js [--role all|api|worker]`.
 *  - all (default): API + worker in one process. Required with the embedded PGlite, whose
 *    data directory only one process can open.
 *  - api / worker: separate processes for scale-out; needs DATABASE_URL (PostgreSQL). Run as
 *    many of each as needed against one Temporal cluster and one PostgreSQL.
 * Stops cleanly on SIGINT/SIGTERM: stops accepting HTTP, lets in-flight activities finish.
 */
import { runServer } from './serve.js';

runServer();
