// The scripted browser's tab log (one JSON line per tab it was asked to open, written by the
// browser process before it acts), read by tests that count sign-ins.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { vi } from 'vitest';
import { BROWSER_CLI } from './mcp-server.js';

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

/**
 * The scripted browsers running under process `pid` (its descendants), as command lines. A browser
 * a process launched runs under it until it exits, and it logs its tab before it can exit: none
 * running, and THEN no new tab in the log, means none was launched so far — however slowly a
 * launched one would have started (a tab count alone, read first, can miss it).
 */
export function browsersUnder(pid: number): string[] {
  const rows = execFileSync('ps', ['-A', '-ww', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }] : [];
    });
  const under = new Set([pid]);
  // A child can have a lower PID than its parent (PIDs wrap): repeat until nothing is added.
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (under.has(row.ppid) && !under.has(row.pid)) {
        under.add(row.pid);
        grew = true;
      }
    }
  }
  return rows
    .filter((r) => r.pid !== pid && under.has(r.pid) && r.args.includes(BROWSER_CLI))
    .map((r) => r.args);
}
