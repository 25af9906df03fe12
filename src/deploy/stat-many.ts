// Stat many files fast. A local disk answers a stat in microseconds, and the thread pool's round
// trip costs several times that: listing 2,000 unchanged files that way took longer than all the
// rest of a deploy with nothing to send. So stats run synchronously, in slices of at most
// SLICE_MS with a yield between them (the server keeps answering, cancellations arrive). A disk
// that answers slowly (a network share) gets the thread pool for the rest, IN_FLIGHT at a time,
// where the waits overlap.
import { type BigIntStats, promises as fs, statSync } from 'node:fs';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { mapLimit } from './pool.js';

export interface StatManyOptions {
  /** The longest the event loop is held at once (ms). */
  sliceMs?: number;
  /** A slice whose stats took longer than this each (ms) means a slow disk: the rest go async. */
  slowStatMs?: number;
}

const IN_FLIGHT = 64;

/** Each path's bigint stats, in order; a failure is `fail(index, error)`'s error. */
export async function statMany(
  paths: readonly string[],
  fail: (index: number, err: unknown) => Error,
  opts: StatManyOptions = {},
): Promise<BigIntStats[]> {
  const sliceMs = opts.sliceMs ?? 8;
  const slowStatMs = opts.slowStatMs ?? 0.5;
  const out = new Array<BigIntStats>(paths.length);
  let next = 0;
  while (next < paths.length) {
    const started = performance.now();
    const first = next;
    do {
      try {
        out[next] = statSync(paths[next] as string, { bigint: true });
      } catch (err) {
        throw fail(next, err);
      }
      next += 1;
    } while (next < paths.length && performance.now() - started < sliceMs);
    if (next === paths.length) break;
    if ((performance.now() - started) / (next - first) > slowStatMs) break;
    await yieldToEvents();
  }
  const rest = Array.from({ length: paths.length - next }, (_, k) => next + k);
  await mapLimit(rest, IN_FLIGHT, async (i) => {
    try {
      out[i] = await fs.stat(paths[i] as string, { bigint: true });
    } catch (err) {
      throw fail(i, err);
    }
  });
  return out;
}
