// The capture health state machine (pure): which state to show and when to restart. The real
// browser signals (track ended, AudioContext suspended) are exercised in Chromium by
// tests/e2e/demo.e2e.ts.
import { describe, expect, it } from 'vitest';
import { CaptureHealth } from '../../../web/src/capture-health.js';

function machine() {
  let now = 0;
  const h = new CaptureHealth({ now: () => now, baseDelayMs: 1000, maxDelayMs: 30_000 });
  return { h, advance: (ms: number) => { now += ms; } };
}

describe('CaptureHealth', () => {
  it('restarts at once when the microphone track ends, and reports the recovery with its downtime', () => {
    const { h, advance } = machine();
    const lost = h.signal({ type: 'track-ended' });
    expect(lost).toMatchObject({ state: 'recovering', problem: 'microphone-ended', restart: true, interrupted: 'microphone-ended' });
    advance(700);
    const back = h.signal({ type: 'restarted' });
    expect(back).toMatchObject({ state: 'listening', problem: null, restart: false, recovered: { problem: 'microphone-ended', attempts: 1, downtimeMs: 700 } });
  });

  it('treats a suspended, interrupted or closed AudioContext as a lost capture, but not a running one', () => {
    for (const [state, problem] of [['suspended', 'audio-suspended'], ['interrupted', 'audio-interrupted'], ['closed', 'audio-closed']] as const) {
      const { h } = machine();
      expect(h.signal({ type: 'context-state', state: 'running' })).toMatchObject({ state: 'listening', restart: false });
      expect(h.signal({ type: 'context-state', state })).toMatchObject({ state: 'recovering', problem, restart: true });
    }
  });

  it('backs off 1 s, 2 s, 4 s … capped at 30 s after failed restarts, and never restarts twice at once', () => {
    const { h } = machine();
    h.signal({ type: 'track-ended' });
    // While the first restart runs, nudges and device changes do not start another.
    expect(h.signal({ type: 'nudge' }).restart).toBe(false);
    expect(h.signal({ type: 'devices-changed', trackLive: false }).restart).toBe(false);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const failed = h.signal({ type: 'restart-failed', message: 'NotFoundError' });
      expect(failed.state).toBe('recovering');
      delays.push(failed.retryInMs!);
      expect(h.signal({ type: 'retry-due' }).restart).toBe(true);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const back = h.signal({ type: 'restarted' });
    expect(back.recovered?.attempts).toBe(8);
  });

  it('tries at once when the page is shown again or a device appears, without waiting for the backoff', () => {
    const { h } = machine();
    h.signal({ type: 'context-state', state: 'suspended' });
    expect(h.signal({ type: 'restart-failed', message: 'audio did not start' }).retryInMs).toBe(1000);
    expect(h.signal({ type: 'devices-changed', trackLive: false }).restart).toBe(true);
    expect(h.signal({ type: 'restart-failed', message: 'again' }).retryInMs).toBe(2000);
    expect(h.signal({ type: 'nudge' }).restart).toBe(true);
  });

  it('ignores signals from the capture being replaced while recovering', () => {
    const { h } = machine();
    h.signal({ type: 'track-ended' });
    expect(h.signal({ type: 'context-state', state: 'closed' })).toMatchObject({ state: 'recovering', problem: 'microphone-ended', restart: false });
    expect(h.signal({ type: 'track-ended' }).restart).toBe(false);
  });

  it('shows a muted microphone as degraded until it is unmuted, without restarting', () => {
    const { h, advance } = machine();
    expect(h.signal({ type: 'track-muted' })).toMatchObject({ state: 'degraded', problem: 'microphone-muted', restart: false, interrupted: 'microphone-muted' });
    advance(5000);
    expect(h.signal({ type: 'track-unmuted' })).toMatchObject({ state: 'listening', recovered: { problem: 'microphone-muted', attempts: 0, downtimeMs: 5000 } });
  });

  it('a device change matters only when our track is gone', () => {
    const { h } = machine();
    expect(h.signal({ type: 'devices-changed', trackLive: true })).toMatchObject({ state: 'listening', restart: false });
    expect(h.signal({ type: 'devices-changed', trackLive: false })).toMatchObject({ state: 'recovering', problem: 'microphone-ended', restart: true });
  });
});
