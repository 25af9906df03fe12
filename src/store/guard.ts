// The store's own files and folder are never reached through a symlink: a link as oauth.json,
// its temp files, its lock or the hostsmith folder could send the tokens, or a chmod, anywhere.
// Ancestors (~/.config kept by a dotfile tool) may be links; only the last component is checked,
// with lstat for a clear message and O_NOFOLLOW where a file is opened, against a race.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { StoreError } from './errors.js';

/** 0 where the platform has no O_NOFOLLOW (Windows): the lstat check stands alone there. */
export const NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

export type Kind = 'file' | 'folder';

async function linkTarget(path: string): Promise<string> {
  return readlink(path).catch(() => 'somewhere else');
}

/** The refusal for a link, in words: what it is, why not, what to do. */
export async function linkRefusal(path: string, kind: Kind): Promise<StoreError> {
  const fix =
    kind === 'folder'
      ? 'Remove the link and let the server create the folder, or point --config-dir (HOSTSMITH_MCP_CONFIG_DIR) at the real folder'
      : 'Remove the link (if it points to your sign-in, move that file in its place)';
  return new StoreError(
    'STORE_UNSAFE',
    `${path} is a symbolic link (to ${await linkTarget(path)}). Hostsmith MCP keeps your sign-in only in a ${kind} of its own and never reads or writes through a link, which could put your tokens somewhere else. ${fix}, then try again.`,
  );
}

function notA(path: string, kind: Kind): StoreError {
  return new StoreError(
    'STORE_UNSAFE',
    `${path} is not a ${kind === 'file' ? 'regular file' : 'folder'}, where Hostsmith MCP keeps your sign-in. Move it away, then try again.`,
  );
}

/**
 * lstat `path` and refuse a link or the wrong kind of entry; undefined when there is nothing.
 * Other errors (EACCES, …) are thrown as they are, for the caller to put in words.
 */
export async function checkEntry(path: string, kind: Kind): Promise<Stats | undefined> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (stats.isSymbolicLink()) throw await linkRefusal(path, kind);
  if (kind === 'file' ? !stats.isFile() : !stats.isDirectory()) throw notA(path, kind);
  return stats;
}

/** Read a regular file without following a link; ELOOP (a link swapped in since) is refused. */
export async function readNoFollow(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | NOFOLLOW).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw await linkRefusal(path, 'file');
    throw error;
  });
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Modes wider than `want` are said once per path and process; checked on every read. */
const told = new Set<string>();

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * On POSIX, set `want` when `mode` differs (via `chmod`, on a handle or a checked path) and
 * return the line to say, once. On Windows modes mean nothing (the profile's ACL protects the
 * file): nothing is checked there.
 */
export async function keepMode(
  path: string,
  mode: number,
  want: number,
  chmod: (mode: number) => Promise<void>,
  platform: NodeJS.Platform,
): Promise<string | undefined> {
  if (platform === 'win32' || (mode & 0o777) === want) return undefined;
  await chmod(want);
  if (told.has(path)) return undefined;
  told.add(path);
  return `${path} had mode ${octal(mode)}, which lets other users on this machine read your Hostsmith sign-in; it is now ${octal(want)}.`;
}
