import type { BatchEvent } from 'cryscope/protocol';

export interface Episode {
  label: 'cry' | 'scream';
  startS: number;
  endS: number;
  durationS: number;
  peak: number;
  mean: number | null;
  /** Absolute start time (session start + startS), ISO. */
  startedAt: string;
  /** UTC day of startedAt, YYYY-MM-DD. */
  day: string;
}

/**
 * Derives episodes from a batch's events: every offset event (it carries the episode's start
 * and end) lasting at least `minSeconds` is an episode. Pure, so it is unit-testable and
 * deterministic when an activity is retried.
 */
export function deriveEpisodes(events: BatchEvent[], sessionStartedAt: string, minSeconds: number): Episode[] {
  const t0 = Date.parse(sessionStartedAt);
  const out: Episode[] = [];
  for (const ev of events) {
    if (ev.type !== 'offset' || ev.end === undefined) continue;
    const durationS = ev.end - ev.start;
    if (durationS < minSeconds) continue;
    const startedAt = new Date(t0 + ev.start * 1000).toISOString();
    out.push({
      label: ev.label, startS: ev.start, endS: ev.end, durationS, peak: ev.peak,
      mean: ev.mean ?? null, startedAt, day: startedAt.slice(0, 10),
    });
  }
  return out;
}
