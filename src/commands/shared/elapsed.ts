// A waiting command's elapsed time, on one line rewritten in place once a second — only on a
// terminal: in a pipe or a log, carriage returns and repeated lines are noise.

/** 7 s → "0:07", 65 s → "1:05", 3,725 s → "1:02:05". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export interface ElapsedOptions {
  write(text: string): void;
  isTTY: boolean;
  /** What is being waited for, e.g. "Waiting for you to finish in the browser". */
  label: string;
  limitSeconds?: number;
}

/** Starts the ticker; the function it returns erases the line (so the next output starts clean). */
export function showElapsed(opts: ElapsedOptions): () => void {
  if (!opts.isTTY) return () => {};
  const started = Date.now();
  const limit = opts.limitSeconds ? ` (up to ${formatElapsed(opts.limitSeconds * 1000)})` : '';
  // \r + erase-line: the same line, whatever was longer before.
  const draw = () => opts.write(`\r\x1b[2K${opts.label}… ${formatElapsed(Date.now() - started)}${limit}`);
  draw();
  const timer = setInterval(draw, 1000);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    opts.write('\r\x1b[2K');
  };
}
