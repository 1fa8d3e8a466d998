// The fetch keepalive quota. A request made with `keepalive: true` outlives the page (closed tab,
// navigation, a laptop lid closing), but the Fetch standard caps the bodies of all keepalive
// requests in flight from a page at 64 KiB together; one over the cap is rejected outright. So we
// count what is in flight and only ask for keepalive when the body still fits.
import type { DetectionBatchV1 } from './protocol/index.js';

/** Fetch standard: in-flight keepalive request bodies of one page, bytes, all together. */
export const KEEPALIVE_QUOTA_BYTES = 64 * 1024;

export class KeepaliveBudget {
  private used = 0;
  constructor(readonly quota = KEEPALIVE_QUOTA_BYTES) {}

  /** Reserves `bytes` if they fit; the caller must release() them when the request settles. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.quota) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inFlight(): number {
    return this.used;
  }
}

/** The page's quota, shared by every poster of the page (the browser counts per page, not per poster). */
export const pageKeepalive = new KeepaliveBudget();

/**
 * The order in which batches leave when the page goes away: batches carrying onset/offset events
 * first (they are what a caregiver must not miss), then the rest; oldest first within each group.
 */
export function unloadOrder(batches: DetectionBatchV1[]): DetectionBatchV1[] {
  return [...batches.filter((b) => b.events.length), ...batches.filter((b) => !b.events.length)];
}
