// Replacing a file atomically on every platform: a temp file in the same folder (mode 0600,
// fsync'd), renamed over the target. Windows refuses a rename onto (or away from) a file that any
// process has open — another server reading oauth.json, an antivirus scanner, the search indexer —
// with EPERM, EACCES or EBUSY, and usually lets go within milliseconds. So the rename is retried
// for about a second, then fails in words; the temp file never outlives a failure.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';

/** The calls this module makes; tests hand in a wrapper that fails on cue. */
export type ReplaceFs = Pick<typeof nodeFs, 'open' | 'rename' | 'unlink'>;

/** Waits between rename attempts: 1.27 s in all, short enough for a tool call to wait out. */
export const BUSY_DELAYS_MS: readonly number[] = [10, 20, 40, 80, 160, 320, 320, 320];

const BUSY_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** The file stayed locked through every retry. */
export class FileBusyError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FileBusyError';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * rename(from, to), retried while the OS says a file is in use. `what` names the person's file
 * and what was being done to it, for the message.
 */
export async function renameRetrying(
  from: string,
  to: string,
  what: { verb: 'replace' | 'set aside'; file: string },
  fs: ReplaceFs = nodeFs,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (error) {
      const code = errorCode(error);
      if (!code || !BUSY_CODES.has(code)) throw error;
      const delay = BUSY_DELAYS_MS[attempt];
      if (delay === undefined) throw busy(what, code, error);
      await sleep(delay);
    }
  }
}

function busy(what: { verb: string; file: string }, code: string, cause: unknown): FileBusyError {
  const waited = BUSY_DELAYS_MS.reduce((a, b) => a + b, 0);
  return new FileBusyError(
    code,
    `Could not ${what.verb} ${what.file}: the system refused (${code}) for ${(waited / 1000).toFixed(1)} s. Another program most likely has the file open — on Windows often another Hostsmith MCP server, an antivirus scanner or the search indexer. Close that program or wait a moment, then try again; if it keeps happening, check that you may change files in ${dirname(what.file)}.`,
    { cause },
  );
}

/** Never through a link: O_EXCL alone refuses one, O_NOFOLLOW says so where the OS has it. */
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Our temp file names, `<file>.tmp-<pid>-<random>`: a sweep can tell them (temp-sweep.ts). */
export function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * Write `text` to `file` atomically: a reader sees the old content or the new, never a part.
 * On failure the old file is untouched and the temp file is removed; the error says why.
 */
export async function replaceFile(
  file: string,
  text: string,
  options: { mode?: number; fs?: ReplaceFs; log?: Logger } = {},
): Promise<void> {
  const fs = options.fs ?? nodeFs;
  const mode = options.mode ?? 0o600;
  const temp = tempName(file);
  // Phase lines (debug level, names only): the crash-mid-write test kills on them.
  options.log?.debug(`store: writing ${basename(temp)}`);
  const handle = await fs.open(temp, CREATE, mode);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      // open()'s mode passes through the umask; the file must end up exactly `mode`.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.log?.debug(`store: renaming ${basename(temp)} → ${basename(file)}`);
    await renameRetrying(temp, file, { verb: 'replace', file }, fs);
  } catch (error) {
    await fs.unlink(temp).catch(() => {});
    throw error;
  }
  await syncFolder(fs, dirname(file));
}

/**
 * Make the rename itself durable. Best effort: Windows cannot open a folder for fsync (EISDIR,
 * EPERM), and NTFS journals the rename anyway.
 */
async function syncFolder(fs: ReplaceFs, dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The new content is in place either way.
  }
}
