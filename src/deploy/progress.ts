// What a deploy tells the person watching while it works: files and bytes done of the total,
// for hashing and for uploads. Sent at most every 200 ms (a 2,000-file deploy would otherwise
// send thousands of notifications), the last step of each phase always.

/** "512 B", "40.0 KiB", "12.3 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export interface Tally {
  files: number;
  bytes: number;
}

const unchanged = (cached: number) =>
  cached > 0 ? ` (${cached} unchanged since the last deploy, not read)` : '';

/** On the way: "hashed 120/2000 files, 12.3 MiB of 100.0 MiB (100 unchanged since the last deploy, not read)" */
export function hashingLine(done: Tally, total: Tally, cached: number): string {
  return `hashed ${done.files}/${total.files} files, ${formatBytes(done.bytes)} of ${formatBytes(total.bytes)}${unchanged(cached)}`;
}

/** At the end: "hashed 2000 files, 100.0 MiB (1980 unchanged since the last deploy, not read)" */
export function hashedLine(done: Tally, cached: number): string {
  return `hashed ${done.files} files, ${formatBytes(done.bytes)}${unchanged(cached)}`;
}

/** "uploaded 3/7 files, 1.2 MiB of 5.0 MiB" */
export function uploadedLine(done: Tally, total: Tally): string {
  return `uploaded ${done.files}/${total.files} files, ${formatBytes(done.bytes)} of ${formatBytes(total.bytes)}`;
}

export type Say = (message: string) => Promise<void>;

/** Progress is best effort: a client that went away must not fail the deploy. */
export function safe(send: ((message: string) => void | Promise<void>) | undefined): Say {
  return async (message) => {
    try {
      await send?.(message);
    } catch {
      // Nothing to do: the deploy itself goes on, and its result or error still gets reported.
    }
  };
}

/**
 * Calls `send` at most every `ms`, and always for the last step. The message is only worded when
 * it is sent: a deploy of unchanged files passes here 2,000 times in a few milliseconds.
 */
export function throttled(send: Say, ms = 200): (message: () => string, final: boolean) => Promise<void> {
  let last = 0;
  return async (message, final) => {
    const now = Date.now();
    if (!final && now - last < ms) return;
    last = now;
    await send(message());
  };
}
