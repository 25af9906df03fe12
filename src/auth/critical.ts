// Work that shutdown must not cut short: a refresh between the token answer and the write (the
// old refresh token is spent by then; exiting loses the new one), a sign-in between the code
// exchange and the write, any store write or lock held. Shutdown waits for them, with a bound.
import type { CredentialStore } from '../store/types.js';

export class CriticalSections {
  private readonly running = new Set<Promise<void>>();

  /** Runs `work` as a critical section: shutdown waits for it to settle. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = work();
    const settled = result.then(
      () => {},
      () => {},
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return result;
  }

  /** How many are under way. */
  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves true once none is under way (sections started meanwhile are waited for too), false
   * when `ms` passed first.
   */
  async drain(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(this.running).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), left);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) return false;
    }
    return true;
  }
}

/** The process's own: every Session registers here unless told otherwise, and `serve` drains it. */
export const criticalSections = new CriticalSections();

/** Store calls that write or hold the lock (a refresh runs inside withLock, token request included). */
const GUARDED = new Set<PropertyKey>([
  'withLock',
  'write',
  'remove',
  'writeRegistration',
  'removeRegistration',
  'writePendingSignIn',
  'clearPendingSignIn',
]);

/** The store, with every write and every lock held registered as a critical section. */
export function guardStore(store: CredentialStore, sections: CriticalSections): CredentialStore {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]): unknown => Reflect.apply(value, target, args);
      if (!GUARDED.has(prop)) return call;
      return (...args: unknown[]) => sections.run(async () => call(...args));
    },
  });
}
