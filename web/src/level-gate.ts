// The input-level gate ("quiet costs almost nothing", issue #14): while the room is quiet the
// models are not run. A pure state machine on the input samples, unit-tested without a browser.
//
// Level: the input is cut into blocks of BLOCK_SECONDS (whole input samples); each block's level is
// its RMS in dBFS (20·log10(rms), full scale = RMS 1.0, so a full-scale sine is −3 dBFS).
//
// Rule: a model window [start, end] is analysed when any block overlapping
// [start − hangoverSeconds, end] is at or above thresholdDb — i.e. when the window itself has a loud
// 0.1 s anywhere in it, or loud audio ended less than hangoverSeconds before the window starts.
// So:
//   * no lost onset: the first window that contains loud audio is analysed (the gate "opens" on
//     the very window that passed — no lookback buffer is needed because the decision is made
//     per window, after its audio has arrived);
//   * hangover: the gate stays open for hangoverSeconds after the last loud block, so the quiet
//     gaps inside a cry (breaths) and its decay are analysed as without the gate;
//   * a function of the audio: the same windows are gated however the input is chunked, except that
//     a window ending inside a block that has not finished yet counts what of that block has
//     arrived (at most 0.1 s after the window's end, depending on chunking).
// Using the loudest block rather than the whole window's RMS means a cry starting in the last
// 0.1 s of a window opens the gate for that window (a whole-window RMS would dilute it).
//
// What the Decider receives for a gated window is the pipeline's business (pipeline.ts: a fixed
// "normal" output, see GATED_PROBS there).

export const BLOCK_SECONDS = 0.1;

export interface LevelGateConfig {
  /** Input sample rate in Hz. */
  sampleRate: number;
  /** Level (dBFS, RMS) at or above which a block counts as "something is happening". */
  thresholdDb: number;
  /** Seconds the gate stays open after the last loud block. */
  hangoverSeconds: number;
  /** Longest window the gate will be asked about, in seconds (how much history to keep). */
  maxWindowSeconds: number;
}

/** RMS level in dBFS of samples (−Infinity for digital silence or no samples). */
export function levelDb(sumSquares: number, count: number): number {
  if (count <= 0 || sumSquares <= 0) return -Infinity;
  return 10 * Math.log10(sumSquares / count);
}

export class LevelGate {
  private readonly blockSamples: number;
  /** Stream time (s) of every finished block's end that was loud, oldest first (pruned). */
  private loudEnds: number[] = [];
  /** Start time of every loud block, parallel to loudEnds. */
  private loudStarts: number[] = [];
  private blockSum = 0;
  private blockCount = 0;
  /** Input samples seen (all blocks, finished or not). */
  private samples = 0;
  /** Windows asked about / analysed since reset (for stats). */
  asked = 0;
  opened = 0;

  constructor(readonly config: LevelGateConfig) {
    const { sampleRate, thresholdDb, hangoverSeconds, maxWindowSeconds } = config;
    if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new RangeError(`LevelGate: sampleRate must be > 0, got ${sampleRate}`);
    if (!Number.isFinite(thresholdDb)) throw new RangeError(`LevelGate: thresholdDb must be finite, got ${thresholdDb}`);
    if (!(Number.isFinite(hangoverSeconds) && hangoverSeconds >= 0)) throw new RangeError(`LevelGate: hangoverSeconds must be >= 0, got ${hangoverSeconds}`);
    if (!(Number.isFinite(maxWindowSeconds) && maxWindowSeconds > 0)) throw new RangeError(`LevelGate: maxWindowSeconds must be > 0, got ${maxWindowSeconds}`);
    this.blockSamples = Math.max(1, Math.round(BLOCK_SECONDS * sampleRate));
  }

  /** Seconds of input seen. */
  get streamSeconds(): number {
    return this.samples / this.config.sampleRate;
  }

  /** Feeds input samples (finite; the pipeline repairs NaN/Inf before). */
  push(x: ArrayLike<number>): void {
    for (let i = 0; i < x.length; i++) {
      this.blockSum += x[i] * x[i];
      this.blockCount++;
      this.samples++;
      if (this.blockCount === this.blockSamples) this.endBlock();
    }
  }

  /** Ends the stream: the partial last block counts as a block. */
  flush(): void {
    if (this.blockCount > 0) this.endBlock();
  }

  private endBlock(): void {
    const end = this.samples / this.config.sampleRate;
    const start = (this.samples - this.blockCount) / this.config.sampleRate;
    if (levelDb(this.blockSum, this.blockCount) >= this.config.thresholdDb) {
      this.loudStarts.push(start);
      this.loudEnds.push(end);
    }
    this.blockSum = 0;
    this.blockCount = 0;
  }

  /**
   * Drops loud blocks too old to matter for any window still to come: windows are asked about in
   * order of their end (as the front-end hands them out), and none is longer than maxWindowSeconds.
   * So memory is bounded by the audio pushed but not yet asked about (≤ 10 entries a second).
   */
  private prune(askedEnd: number): void {
    const keepAfter = askedEnd - this.config.maxWindowSeconds - this.config.hangoverSeconds - 2 * BLOCK_SECONDS;
    let n = 0;
    while (n < this.loudEnds.length && this.loudEnds[n] < keepAfter) n++;
    if (n > 0) {
      this.loudEnds.splice(0, n);
      this.loudStarts.splice(0, n);
    }
  }

  /**
   * Whether the window [start, end] (seconds of stream time) is to be analysed. Blocks not yet
   * finished at `end` count with what has arrived (the pipeline asks once the window's audio is in).
   */
  isOpen(start: number, end: number): boolean {
    this.asked++;
    this.prune(end);
    const from = start - this.config.hangoverSeconds;
    let open = false;
    // A block [s, e] overlaps [from, end] when e > from and s < end.
    for (let i = this.loudEnds.length - 1; i >= 0; i--) {
      if (this.loudEnds[i] <= from) break;
      if (this.loudStarts[i] < end) { open = true; break; }
    }
    // The unfinished block (window ends inside it) counts too.
    if (!open && this.blockCount > 0) {
      const s = (this.samples - this.blockCount) / this.config.sampleRate;
      if (s < end && levelDb(this.blockSum, this.blockCount) >= this.config.thresholdDb) open = true;
    }
    if (open) this.opened++;
    return open;
  }

  reset(): void {
    this.loudEnds = [];
    this.loudStarts = [];
    this.blockSum = 0;
    this.blockCount = 0;
    this.samples = 0;
    this.asked = 0;
    this.opened = 0;
  }
}
