// The state a listening device reports to the backend (cryscope.batch/1 `device`, issue #14),
// which the caregiver view shows. A pure state machine (no DOM, no timers): the detector feeds it
// its state, capture problems, model failures and the poster's status, and sends each change.
//
//   paused                 after pause() (nothing else is said: nothing is heard on purpose)
//   degraded + reasons     a capture problem (capture-health.ts: microphone ended or muted,
//                          AudioContext suspended, interrupted or closed), a model that failed
//                          (fusion continues with the other: 'model-fallback'), or an outbox
//                          backing up ('outbox-backlog': ≥ BACKLOG_BATCHES batches waiting while
//                          the backend keeps failing)
//   listening              otherwise
//   stopped                after stop() (the detector reports it before tearing down, so the
//                          caregiver view shows a deliberate stop at once instead of "offline"
//                          after the server's timeout); nothing else is reported until a new start
// "offline" is never reported: the server says so when nothing arrives.
import type { CaptureProblem } from './capture-health.js';
import type { PosterStatus } from './poster.js';
import type { DeviceReason, DeviceStateReport } from './protocol/index.js';

/** Batches waiting in the outbox while the backend keeps failing, from which 'outbox-backlog' is reported. */
export const BACKLOG_BATCHES = 3;

/** What the reporter needs of the detector's state ('recovering' counts as degraded). */
export type ReportableState = 'listening' | 'degraded' | 'recovering' | 'paused' | 'stopped';

export class DeviceStateReporter {
  private report: DeviceStateReport | null = null;
  private state: ReportableState | null = null;
  private problem: CaptureProblem | null = null;
  private readonly failedModels = new Set<string>();
  private backlog = false;

  constructor(private readonly onChange: (r: DeviceStateReport) => void, private readonly now: () => number = Date.now) {}

  /** The last report made (null before the first, and after reset()). */
  get current(): DeviceStateReport | null {
    return this.report;
  }

  /** A new start: the next state is reported afresh (not what the last stop left). Model failures stay. */
  reset(): void {
    this.report = null;
    this.state = null;
    this.problem = null;
    this.backlog = false;
  }

  /**
   * The detector's state changed (or its capture problem). Other states (ready, starting,
   * destroyed) report nothing. 'stopped' is reported only when this start reported something
   * (a start that failed before listening has nothing to take back), and it sticks until reset():
   * a capture signal or a poster status arriving during the teardown must not undo it.
   */
  detector(state: string, problem: CaptureProblem | null): void {
    if (state !== 'listening' && state !== 'degraded' && state !== 'recovering' && state !== 'paused' && state !== 'stopped') return;
    if (state === 'stopped' && !this.state) return;
    if (this.state === 'stopped') return;
    this.state = state;
    this.problem = problem;
    this.emit();
  }

  /** A model stopped; fusion continues with the other one. */
  modelFailed(model: string): void {
    if (this.failedModels.has(model)) return;
    this.failedModels.add(model);
    this.emit();
  }

  /** The poster's status: a backlog begins while retrying with ≥ BACKLOG_BATCHES queued, ends once sent. */
  backend(s: PosterStatus): void {
    const backlog = s.state === 'retrying' ? s.queued >= BACKLOG_BATCHES : s.state === 'sent' || s.state === 'idle' ? false : this.backlog;
    if (backlog === this.backlog) return;
    this.backlog = backlog;
    this.emit();
  }

  private emit(): void {
    if (!this.state) return;
    const reasons: DeviceReason[] = [];
    if (this.state !== 'paused' && this.state !== 'stopped') {
      if (this.problem) reasons.push(this.problem);
      if (this.failedModels.size) reasons.push('model-fallback');
      if (this.backlog) reasons.push('outbox-backlog');
    }
    const state = this.state === 'paused' || this.state === 'stopped' ? this.state : reasons.length ? 'degraded' : 'listening';
    const prev = this.report;
    if (prev && prev.state === state && (prev.reasons ?? []).join() === reasons.join()) return;
    this.report = { state, ...(reasons.length ? { reasons } : {}), since: new Date(this.now()).toISOString() };
    this.onChange(this.report);
  }
}
