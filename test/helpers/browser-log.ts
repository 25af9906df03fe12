// The scripted browser's tab log (one JSON line per tab it was asked to open, written by the
// browser process before it acts), read by tests that count sign-ins.
import { existsSync, readFileSync } from 'node:fs';
import { vi } from 'vitest';

/** How many tabs the log records so far. */
export function tabsIn(log: string): number {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0;
}

/**
 * Wait until the log records `n` tabs. A tab the scripted browser ignores is logged by a process
 * that nothing waits for, and on a loaded machine it can take seconds to start: a count read at
 * once may miss it (two CI runs failed so).
 */
export function tabsLogged(log: string, n: number): Promise<void> {
  return vi.waitFor(
    () => {
      const seen = tabsIn(log);
      if (seen !== n) throw new Error(`${seen} browser tabs logged, waiting for ${n}`);
    },
    { timeout: 30_000, interval: 50 },
  );
}
