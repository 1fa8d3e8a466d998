// Keeps the screen on while listening (Screen Wake Lock API), so a phone or laptop left on the
// nightstand does not sleep and stop the microphone. The browser drops the lock whenever the page
// is hidden; we take it again when the page is shown. Where the API is missing or the request is
// refused (battery saver, policy, an insecure origin), the state says so, so the page can tell
// the user to keep the device awake another way.

/**
 * - 'off': not wanted (not listening, or the keepScreenOn option is false)
 * - 'held': the screen is kept on
 * - 'released': wanted, but the browser released it (page hidden); taken again when shown
 * - 'unsupported': this browser has no Screen Wake Lock
 * - 'refused': the request was denied (battery saver, policy, permissions)
 */
export type WakeLockState = 'off' | 'held' | 'released' | 'unsupported' | 'refused';

interface Sentinel {
  released: boolean;
  release(): Promise<void>;
  addEventListener(type: 'release', fn: () => void): void;
}
interface WakeLockApi {
  request(type: 'screen'): Promise<Sentinel>;
}

export class ScreenWakeLock {
  private wanted = false;
  private sentinel: Sentinel | null = null;
  private requesting: Promise<void> | null = null;
  private _state: WakeLockState = 'off';
  private _error: string | undefined;

  /** `api`: navigator.wakeLock (injectable for tests); `isVisible`: the page is shown. */
  constructor(
    private readonly onChange: (state: WakeLockState, error?: string) => void,
    private readonly api: WakeLockApi | undefined = (globalThis.navigator as { wakeLock?: WakeLockApi } | undefined)?.wakeLock,
    private readonly isVisible: () => boolean = () => typeof document === 'undefined' || document.visibilityState === 'visible',
  ) {}

  get state(): WakeLockState {
    return this._state;
  }

  /** Why the last request failed (for 'refused'). */
  get error(): string | undefined {
    return this._error;
  }

  /** Wants the lock from now on; takes it now if the page is shown. */
  acquire(): Promise<void> {
    this.wanted = true;
    return this.take();
  }

  /** The page was shown again: the browser dropped the lock when it was hidden. */
  onVisible(): Promise<void> {
    return this.wanted ? this.take() : Promise.resolve();
  }

  async release(): Promise<void> {
    this.wanted = false;
    const s = this.sentinel;
    this.sentinel = null;
    this.set('off');
    await s?.release().catch(() => undefined);
  }

  private take(): Promise<void> {
    if (!this.api) {
      this.set('unsupported');
      return Promise.resolve();
    }
    if ((this.sentinel && !this.sentinel.released) || this.requesting) return this.requesting ?? Promise.resolve();
    if (!this.isVisible()) {
      this.set('released'); // requests from a hidden page are refused; try again when shown
      return Promise.resolve();
    }
    this.requesting = this.api.request('screen').then((s) => {
      if (!this.wanted) { void s.release().catch(() => undefined); return; }
      this.sentinel = s;
      s.addEventListener('release', () => {
        if (this.sentinel !== s) return;
        this.sentinel = null;
        if (this.wanted) this.set('released');
      });
      this._error = undefined;
      this.set('held');
    }, (e: unknown) => {
      this._error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      if (this.wanted) this.set('refused');
    }).finally(() => { this.requesting = null; });
    return this.requesting;
  }

  private set(s: WakeLockState): void {
    if (s === this._state) return;
    this._state = s;
    this.onChange(s, s === 'refused' ? this._error : undefined);
  }
}
