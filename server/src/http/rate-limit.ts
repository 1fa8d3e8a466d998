/**
 * Counts failures per client in fixed windows: the brute-force brake of pairing-code redemption
 * (an 8-digit code has 10^8 values; 10 failures a minute makes guessing a live code hopeless
 * within its 10 minutes). Only failures count, so a caregiver typing a code right is never slowed
 * down by earlier typos beyond the limit. In memory, per API process: with several API processes
 * behind a load balancer each keeps its own count (the limit multiplies by their number).
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    /** Failures allowed per window; the next attempt in that window is refused. */
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Most clients tracked at once; beyond it, expired windows are dropped (then the oldest). */
    private readonly maxClients = 10_000,
  ) {}

  /** Seconds until `client` may try again (for Retry-After), or 0 when it may try now. */
  blockedFor(client: string): number {
    const w = this.windows.get(client);
    if (!w) return 0;
    const left = w.resetAt - this.now();
    if (left <= 0) { this.windows.delete(client); return 0; }
    return w.failures >= this.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  /** Records one failed attempt of `client`. */
  fail(client: string): void {
    const now = this.now();
    let w = this.windows.get(client);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= this.maxClients) this.prune(now);
      w = { failures: 0, resetAt: now + this.windowMs };
      this.windows.set(client, w);
    }
    w.failures++;
  }

  get clients(): number {
    return this.windows.size;
  }

  private prune(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full (an attack from many addresses): forget the oldest windows (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(k);
    }
  }
}
