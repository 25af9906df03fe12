// Temp files left by a write that was killed before its rename. Ours are named
// oauth.json.tmp-<pid>-<random>; earlier versions (write-file-atomic) named theirs
// oauth.json.<hash>. Each may hold a token pair, so none may linger. Run under the store lock
// (every write holds it, so no live writer owns one): a temp file that validates and is newer
// than oauth.json holds the newest rotation (the kill came between its fsync and its rename) and
// becomes oauth.json; the rest are deleted.
import { chmod, lstat, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log.js';
import { readNoFollow } from './guard.js';
import { type ReplaceFs, renameRetrying } from './replace.js';

/** The temp names for `file` (our own and write-file-atomic's). */
export function isTempName(name: string, file: string): boolean {
  const base = basename(file);
  if (!name.startsWith(`${base}.`)) return false;
  const rest = name.slice(base.length + 1);
  return /^tmp-\d+-[0-9a-f]+$/.test(rest) || /^tmp-[0-9a-f]+$/.test(rest) || /^[0-9a-f]{1,8}$/.test(rest);
}

/** Whether the folder holds any temp file of `file` (a cheap look before taking the lock). */
export async function hasTemps(file: string): Promise<boolean> {
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  return names.some((name) => isTempName(name, file));
}

async function mtime(path: string): Promise<number> {
  return (await lstat(path).catch(() => undefined))?.mtimeMs ?? Number.NEGATIVE_INFINITY;
}

export async function sweepTemps(
  file: string,
  valid: (text: string) => boolean,
  log: Logger,
  opts: { platform: NodeJS.Platform; fs?: ReplaceFs },
): Promise<void> {
  const dir = dirname(file);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => isTempName(n, file));
  if (names.length === 0) return;
  const current = await mtime(file);
  let best: { path: string; mtime: number } | undefined;
  for (const name of names) {
    const path = join(dir, name);
    const stats = await lstat(path).catch(() => undefined);
    // A link (or anything but a file) named like ours is only ever removed, never read.
    if (!stats?.isFile() || stats.mtimeMs <= current || stats.mtimeMs <= (best?.mtime ?? current)) continue;
    const text = await readNoFollow(path).catch(() => '');
    if (valid(text)) best = { path, mtime: stats.mtimeMs };
  }
  const left: string[] = [];
  if (best) {
    try {
      if (opts.platform !== 'win32') await chmod(best.path, 0o600);
      await renameRetrying(best.path, file, { verb: 'replace', file }, opts.fs);
    } catch (error) {
      left.push(`${basename(best.path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      best = undefined;
    }
  }
  let deleted = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (left.some((l) => l.startsWith(`${name} `))) continue;
    if (path === best?.path) continue;
    try {
      await unlink(path);
      deleted++;
    } catch (error) {
      // Windows: a scanner may hold it for a moment. Named, so a person can delete it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') left.push(`${name} (${code ?? 'error'})`);
    }
  }
  const recovered = best ? `recovered the newest sign-in from ${basename(best.path)} into ${file}, ` : '';
  const stuck = left.length
    ? ` Could not remove ${left.join(', ')}: they may hold a token pair, so delete them by hand.`
    : '';
  log.warn(
    `A write to ${file} was interrupted earlier: ${recovered}deleted ${deleted} leftover temp file${deleted === 1 ? '' : 's'}.${stuck}`,
  );
}
