// Warnings a stranger can trigger at will (a forged sign-in callback from any local web page)
// must not flood stderr: the first `burst` are written as they come, the rest only counted and
// summed up in one line per interval, and once more by flush() (when the server closes).

export interface WarningLimiter {
  warn(message: string): void;
  /** Writes the summary of what was held back, if anything, now. */
  flush(): void;
}

export interface WarningLimiterOptions {
  warn: (message: string) => void;
  /** How many warnings are written one by one (default 3). */
  burst?: number;
  /** At most one summary line per interval (default 60 s). */
  intervalMs?: number;
  /** The summary line for `count` warnings held back. */
  summary: (count: number) => string;
}

export function createWarningLimiter(opts: WarningLimiterOptions): WarningLimiter {
  const burst = opts.burst ?? 3;
  const intervalMs = opts.intervalMs ?? 60_000;
  let written = 0;
  let held = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (held === 0) return;
    const count = held;
    held = 0;
    opts.warn(opts.summary(count));
  };

  return {
    warn(message) {
      if (written < burst) {
        written += 1;
        opts.warn(message);
        return;
      }
      held += 1;
      // unref: a pending summary never keeps the process alive.
      timer ??= setTimeout(flush, intervalMs).unref();
    },
    flush,
  };
}
