// A tiny typed event emitter (no dependency, works in every runtime).
export class Emitter<Events extends object> {
  private handlers: { [K in keyof Events]?: Set<(e: Events[K]) => void> } = {};

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof Events>(type: K, fn: (e: Events[K]) => void): () => void {
    (this.handlers[type] ??= new Set()).add(fn);
    return () => this.off(type, fn);
  }

  off<K extends keyof Events>(type: K, fn: (e: Events[K]) => void): void {
    this.handlers[type]?.delete(fn);
  }

  protected emit<K extends keyof Events>(type: K, e: Events[K]): void {
    for (const fn of this.handlers[type] ?? []) {
      try {
        fn(e);
      } catch (err) {
        // A throwing listener must not break detection; surface it asynchronously.
        setTimeout(() => { throw err; });
      }
    }
  }
}
