// Where `directory` points, by the rules of the platform the server runs on. Pure (platform,
// home and working directory are parameters) so each platform's rules are tested anywhere.
import { posix, win32 } from 'node:path';
import { DeployError } from './errors.js';

export interface Where {
  platform: NodeJS.Platform;
  /** The home folder `~` stands for. */
  home: string;
  /** What a relative path is resolved against. */
  cwd: string;
}

export interface Resolved {
  /** The absolute folder. */
  root: string;
  /** true when `directory` was relative and was resolved against `cwd`. */
  relative: boolean;
}

// A Unix-style spelling of a Windows drive, as a shell on Windows writes it: Git Bash (MSYS)
// `/c/Users/…`, WSL `/mnt/c/…`, Cygwin `/cygdrive/c/…`. A Windows program reads `/c/Users` as
// `\c\Users` on the current drive, which is never what was meant.
const DRIVE_PATH = /^\/(mnt\/|cygdrive\/)?([a-zA-Z])(?:\/(.*))?$/;
const SHELLS: Record<string, string> = {
  '': 'a Git Bash (MSYS) path',
  'mnt/': 'a WSL (Linux) path',
  'cygdrive/': 'a Cygwin path',
};

/** The same folder written the Windows way, when `directory` is a Unix shell's spelling of a drive. */
export function windowsSpelling(directory: string): { spelling: string; shell: string } | undefined {
  const m = DRIVE_PATH.exec(directory);
  if (!m) return undefined;
  const [, kind = '', drive = '', rest = ''] = m;
  const parts = rest.split('/').filter((part) => part !== '');
  return { spelling: `${drive.toUpperCase()}:\\${parts.join('\\')}`, shell: SHELLS[kind] ?? 'a Unix path' };
}

/**
 * Absolute paths stay; `~`, `~/x` (and on Windows `~\x`) are the home folder's; anything else is
 * relative to `cwd`. On Windows, a Git Bash or WSL path is refused with its Windows spelling.
 * (On Linux and macOS a backslash is an ordinary character of a name, so `~\x` stays relative.)
 */
export function resolveDirectory(directory: string, where: Where): Resolved {
  const windows = where.platform === 'win32';
  const path = windows ? win32 : posix;
  if (directory === '~' || directory.startsWith('~/') || (windows && directory.startsWith('~\\'))) {
    return { root: path.resolve(where.home, directory.slice(2)), relative: false };
  }
  if (windows) {
    const unix = windowsSpelling(directory);
    if (unix) {
      throw new DeployError(
        'WRONG_PATH_STYLE',
        `"${directory}" is ${unix.shell}, but this server runs as a Windows program and cannot open it. Use the Windows spelling of the same folder: ${unix.spelling}`,
      );
    }
  }
  if (path.isAbsolute(directory)) return { root: path.resolve(directory), relative: false };
  return { root: path.resolve(where.cwd, directory), relative: true };
}
