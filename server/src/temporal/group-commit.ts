/**
 * Group commit for workflow starts. Every request waits for Temporal to accept its batch
 * (the 202 promise), but Temporal's cost is per workflow, not per batch. So: while
 * `maxInFlight` starts are pending, newly arriving batches queue up; as soon as a start
 * finishes, everything queued (up to maxBatches / maxBytes) goes out as ONE workflow.
 * Under light load each batch is started alone at once (no added latency); under heavy load
 * groups grow by themselves and throughput rises instead of latency exploding.
 */
export interface GroupCommitOptions {
  /** Most batches in one workflow. Default 64. */
  maxBatches?: number;
  /** Most JSON bytes in one workflow's input (Temporal limits payloads to ~2 MB). Default 1 MiB. */
  maxBytes?: number;
  /** Concurrent start calls. Default 4. */
  maxInFlight?: number;
}

interface Pending<B, R> {
  item: B;
  id: string;
  bytes: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter<B, R> {
  private queue: Pending<B, R>[] = [];
  private inFlight = 0;
  private readonly maxBatches: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  /** Sizes of the groups started so far (for logs/benchmarks). */
  readonly stats = { groups: 0, items: 0, largest: 0 };

  constructor(private readonly startGroup: (items: B[], ids: string[]) => Promise<R>, opts: GroupCommitOptions = {}) {
    this.maxBatches = opts.maxBatches ?? 64;
    this.maxBytes = opts.maxBytes ?? 1024 * 1024;
    this.maxInFlight = opts.maxInFlight ?? 4;
  }

  /** Resolves with the start result of the group that carried this item. */
  submit(item: B, id: string, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, id, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const group: Pending<B, R>[] = [];
      const ids = new Set<string>();
      let bytes = 0;
      while (this.queue.length && group.length < this.maxBatches) {
        const next = this.queue[0];
        if (group.length && bytes + next.bytes > this.maxBytes) break;
        this.queue.shift();
        group.push(next);
        ids.add(next.id);
        bytes += next.bytes;
      }
      // The same batch posted twice concurrently travels once; both requests get the answer.
      const unique = new Map<string, B>();
      for (const p of group) if (!unique.has(p.id)) unique.set(p.id, p.item);
      this.inFlight++;
      this.stats.groups++;
      this.stats.items += unique.size;
      this.stats.largest = Math.max(this.stats.largest, unique.size);
      this.startGroup([...unique.values()], [...unique.keys()])
        .then((r) => group.forEach((p) => p.resolve(r)), (e) => group.forEach((p) => p.reject(e)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
