// ScreenWakeLock against a fake navigator.wakeLock (the real API is exercised in Chromium by
// tests/e2e/demo.e2e.ts): taken while wanted, re-taken when the page is shown, states reported.
import { describe, expect, it } from 'vitest';
import { ScreenWakeLock, type WakeLockState } from '../../../web/src/wake-lock.js';

class FakeSentinel {
  released = false;
  private fns: (() => void)[] = [];
  addEventListener(_: 'release', fn: () => void) { this.fns.push(fn); }
  async release() { if (!this.released) { this.released = true; this.fns.forEach((f) => f()); } }
}

function fake(opts: { refuse?: boolean } = {}) {
  const sentinels: FakeSentinel[] = [];
  let visible = true;
  const api = {
    request: async (_: 'screen') => {
      if (opts.refuse) throw Object.assign(new Error('battery saver'), { name: 'NotAllowedError' });
      const s = new FakeSentinel();
      sentinels.push(s);
      return s;
    },
  };
  const states: WakeLockState[] = [];
  const lock = new ScreenWakeLock((s) => states.push(s), api, () => visible);
  return { lock, sentinels, states, setVisible: (v: boolean) => { visible = v; } };
}

describe('ScreenWakeLock', () => {
  it('holds the lock while wanted, re-takes it when the page is shown after the browser dropped it', async () => {
    const { lock, sentinels, states, setVisible } = fake();
    await lock.acquire();
    expect(lock.state).toBe('held');
    setVisible(false);
    await sentinels[0].release(); // the browser releases it when the page is hidden
    expect(lock.state).toBe('released');
    await lock.onVisible(); // still hidden: not requested (it would be refused)
    expect(sentinels).toHaveLength(1);
    setVisible(true);
    await lock.onVisible();
    expect(lock.state).toBe('held');
    expect(sentinels).toHaveLength(2);
    await lock.release();
    expect(sentinels[1].released).toBe(true);
    expect(states).toEqual(['held', 'released', 'held', 'off']);
    await lock.onVisible(); // not wanted any more: nothing taken
    expect(sentinels).toHaveLength(2);
  });

  it('says unsupported where the API is missing and refused (with the reason) when denied', async () => {
    const none = new ScreenWakeLock(() => undefined, undefined, () => true);
    await none.acquire();
    expect(none.state).toBe('unsupported');
    const { lock } = fake({ refuse: true });
    await lock.acquire();
    expect(lock.state).toBe('refused');
    expect(lock.error).toMatch(/NotAllowedError: battery saver/);
  });

  it('does not request twice while a request is pending, nor keep a lock granted after release()', async () => {
    const { lock, sentinels } = fake();
    const a = lock.acquire();
    const b = lock.acquire();
    await Promise.all([a, b]);
    expect(sentinels).toHaveLength(1);
    await lock.release();
    const late = fake();
    const pending = late.lock.acquire(); // granted only after release() below
    await late.lock.release();
    await pending;
    expect(late.sentinels).toHaveLength(1);
    expect(late.sentinels[0].released).toBe(true);
    expect(late.lock.state).toBe('off');
  });
});
