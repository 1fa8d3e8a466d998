// Is the detector actually hearing the room? A pure state machine (no DOM, no timers) fed with
// what the browser reports about the microphone track and the AudioContext; it says which state
// to show and when to restart the capture. The detector does the side effects (capture.ts).
//
//   listening ──track muted──► degraded ──unmuted──► listening
//       │                          │
//       └─track ended / context suspended, interrupted or closed / device gone──► recovering
//   recovering: restart now; after a failed restart wait 1 s, 2 s, 4 s … 30 s, or less when the
//   page is shown again or the device list changes; a successful restart ──► listening.

/** Why the detector is not hearing normally. */
export type CaptureProblem =
  /** The microphone track ended: unplugged, access revoked, or stopped by the system. */
  | 'microphone-ended'
  /** The track is muted by the system or hardware: only silence arrives. */
  | 'microphone-muted'
  /** The AudioContext was suspended by the browser or OS (not by pause()). */
  | 'audio-suspended'
  /** The AudioContext was interrupted (Safari: a phone call, another app took the audio). */
  | 'audio-interrupted'
  /** The AudioContext was closed under us. */
  | 'audio-closed';

export const PROBLEM_TEXT: Record<CaptureProblem, string> = {
  'microphone-ended': 'The microphone was disconnected or its access was revoked.',
  'microphone-muted': 'The microphone is muted by the system: nothing can be heard.',
  'audio-suspended': 'Audio processing was suspended by the browser.',
  'audio-interrupted': 'Audio was interrupted by the system (another app or a call).',
  'audio-closed': 'Audio processing was shut down by the browser.',
};

export type HealthSignal =
  | { type: 'track-ended' }
  | { type: 'track-muted' }
  | { type: 'track-unmuted' }
  /** AudioContext.state after a statechange ('interrupted' exists in Safari). */
  | { type: 'context-state'; state: string }
  /** navigator.mediaDevices 'devicechange'; trackLive: is our track still 'live'. */
  | { type: 'devices-changed'; trackLive: boolean }
  /** The page was shown again or the user interacted: a good moment for an attempt. */
  | { type: 'nudge' }
  | { type: 'retry-due' }
  | { type: 'restarted' }
  | { type: 'restart-failed'; message: string };

export type HealthState = 'listening' | 'degraded' | 'recovering';

export interface HealthStep {
  state: HealthState;
  problem: CaptureProblem | null;
  /** Restart the capture now (then report 'restarted' or 'restart-failed'). */
  restart: boolean;
  /** After a failed restart: report 'retry-due' after this many ms. */
  retryInMs?: number;
  /** Set when this signal ended a problem; attempts = restarts tried, the successful one included. */
  recovered?: { problem: CaptureProblem; attempts: number; downtimeMs: number };
  /** Set when this signal started a problem. */
  interrupted?: CaptureProblem;
}

export interface HealthOptions {
  /** First retry delay after a failed restart, ms. Default 1000. */
  baseDelayMs?: number;
  /** Longest retry delay, ms. Default 30000. */
  maxDelayMs?: number;
  now?: () => number;
}

const CONTEXT_PROBLEMS: Record<string, CaptureProblem> = {
  suspended: 'audio-suspended', interrupted: 'audio-interrupted', closed: 'audio-closed',
};

export class CaptureHealth {
  state: HealthState = 'listening';
  problem: CaptureProblem | null = null;
  /** Failed restarts in the current problem. */
  attempts = 0;
  private since = 0;
  private restarting = false;

  constructor(private readonly o: HealthOptions = {}) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  signal(s: HealthSignal): HealthStep {
    if (this.state === 'recovering') return this.whileRecovering(s);
    const lost = this.lostBy(s);
    if (lost) {
      const step = this.begin('recovering', lost);
      this.restarting = true;
      return { ...step, restart: true };
    }
    if (s.type === 'track-muted' && this.state === 'listening') return this.begin('degraded', 'microphone-muted');
    if (s.type === 'track-unmuted' && this.state === 'degraded') return this.end();
    return this.step();
  }

  /** The capture is gone for good (needs a restart), or null. */
  private lostBy(s: HealthSignal): CaptureProblem | null {
    if (s.type === 'track-ended') return 'microphone-ended';
    if (s.type === 'devices-changed' && !s.trackLive) return 'microphone-ended';
    if (s.type === 'context-state') return CONTEXT_PROBLEMS[s.state] ?? null;
    return null;
  }

  private whileRecovering(s: HealthSignal): HealthStep {
    switch (s.type) {
      case 'restarted':
        this.restarting = false;
        return this.end();
      case 'restart-failed': {
        this.restarting = false;
        this.attempts++;
        const delay = Math.min(this.o.maxDelayMs ?? 30_000, (this.o.baseDelayMs ?? 1000) * 2 ** (this.attempts - 1));
        return { ...this.step(), retryInMs: delay };
      }
      case 'retry-due':
      case 'nudge':
      case 'devices-changed':
        if (this.restarting) return this.step();
        this.restarting = true;
        return { ...this.step(), restart: true };
      default:
        // Track and context signals come from the capture being replaced: not news.
        return this.step();
    }
  }

  private begin(state: HealthState, problem: CaptureProblem): HealthStep {
    if (this.state === 'listening') this.since = this.now();
    this.state = state;
    this.problem = problem;
    this.attempts = 0;
    return { ...this.step(), interrupted: problem };
  }

  private end(): HealthStep {
    // attempts: restarts tried, the successful one included (0 when the problem cleared by itself).
    const attempts = this.state === 'recovering' ? this.attempts + 1 : 0;
    const recovered = this.problem ? { problem: this.problem, attempts, downtimeMs: this.now() - this.since } : undefined;
    this.state = 'listening';
    this.problem = null;
    this.attempts = 0;
    return { ...this.step(), recovered };
  }

  private step(): HealthStep {
    return { state: this.state, problem: this.problem, restart: false };
  }
}
