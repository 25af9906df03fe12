// How `serve` ends, whatever ended it (stdin closed, the host gone, SIGINT/SIGTERM): stop taking
// calls and abort the ones under way, let a refresh or store write already under way finish (up
// to 10 s: exiting between the token answer and the write spends the old refresh token and loses
// the new one), then end sign-ins (callback server closed, marker cleared) and connections.
// Every lock is taken inside a critical section, so once they are drained none is held.
import type { CriticalSections } from '../../auth/critical.js';
import type { Logger } from '../../log.js';

/** How long credential work already under way may take to finish. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** After the grace, how long cut requests may take to unwind (and release the lock). */
const UNWIND_MS = 2_000;

export interface ShutdownOptions {
  /** Stops the MCP server: no new calls, and the SDK aborts the signal of every call under way. */
  stopServing(): Promise<void>;
  /** The workspaces opened so far (each a promise: one may still be opening). */
  workspaces: Iterable<Promise<{ close(options?: { abort?: boolean }): Promise<void> }>>;
  critical: CriticalSections;
  log: Logger;
  graceMs?: number;
}

export async function shutdown(opts: ShutdownOptions): Promise<void> {
  await opts.stopServing().catch(() => {});
  const grace = opts.graceMs ?? SHUTDOWN_GRACE_MS;
  const finished = await opts.critical.drain(grace);
  if (!finished) {
    opts.log.warn(
      `Shutting down: a credential update was still under way after ${grace / 1000} s; stopping it. If the next start asks you to sign in again, that is why.`,
    );
  }
  for (const workspace of opts.workspaces) {
    await workspace.then((w) => w.close({ abort: !finished })).catch(() => {});
  }
  // Closing ends sign-ins, which clears their markers: store writes, waited for like the rest.
  await opts.critical.drain(finished ? grace : UNWIND_MS);
}
