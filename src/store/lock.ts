// The cross-process store lock: `oauth.json.lock`, created with O_EXCL (never through a link),
// holding its owner's record from the moment it exists (a draft linked into place). The holder touches it every 2 s; a lock untouched for 10 s is
// stale and taken over. A lock whose owner is certainly gone (lock-owner.ts) is taken over at
// once. A takeover renames the lock away and checks it moved the very lock it judged, so two
// processes breaking one stale lock cannot both win. A folder lock (proper-lockfile, used by
// earlier versions) is honoured the same way, by its age.
import { randomBytes } from 'node:crypto';
import { type BigIntStats, constants, readFileSync, unlinkSync } from 'node:fs';
import { link, lstat, lutimes, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { StoreError, storeErrorFor } from './errors.js';
import { checkEntry, NOFOLLOW, readNoFollow } from './guard.js';
import {
  type LockOwner,
  LockOwnerSchema,
  ownerIsGone,
  type ProcessProbe,
  realProbe,
  thisProcess,
} from './lock-owner.js';

export interface LockOptions {
  log: Logger;
  platform?: NodeJS.Platform;
  staleMs?: number;
  refreshMs?: number;
  /** How long to wait for a live holder before failing in words. */
  waitMs?: number;
  probe?: ProcessProbe;
}

type Seen = { stats: BigIntStats; owner?: LockOwner };

/** Where a lock's record is written before it is linked into place. */
const DRAFT = '.new-';

/**
 * Create the lock with its owner record already in it: the record is written to a draft of our
 * own, then hard-linked to the lock path (atomic, and EEXIST while someone holds it). A kill can
 * then never leave an empty lock, which nobody could judge but by its age (the whole stale wait).
 */
async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  const draft = `${path}${DRAFT}${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await open(
    draft,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
    0o600,
  );
  try {
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    await link(draft, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: create the lock and write it, as before.
    if (code && NO_LINKS.has(code)) return createThenWrite(path, owner);
    throw error;
  } finally {
    await unlink(draft).catch(() => {});
  }
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

async function createThenWrite(path: string, owner: LockOwner): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
  } catch (error) {
    await handle.close();
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

/** Drafts left by takers killed before they unlinked them: removed once their owner is gone. */
async function sweepDrafts(path: string, mine: LockOwner, opts: LockOptions, platform: NodeJS.Platform) {
  const prefix = `${basename(path)}${DRAFT}`;
  const names = (await readdir(dirname(path)).catch(() => [] as string[])).filter((n) =>
    n.startsWith(prefix),
  );
  for (const name of names) {
    const draft = join(dirname(path), name);
    let owner: LockOwner | undefined;
    try {
      owner = LockOwnerSchema.parse(JSON.parse(await readNoFollow(draft)));
    } catch {
      owner = undefined; // cut short while being written: its owner is gone or about to remove it
    }
    const age = Date.now() - ((await lstat(draft).catch(() => undefined))?.mtimeMs ?? Date.now());
    const gone = owner
      ? ownerIsGone(owner, mine, opts.probe ?? realProbe, platform)
      : age > (opts.staleMs ?? 10_000);
    if (gone) await unlink(draft).catch(() => {});
  }
}

/** The lock as it is now; undefined when it vanished. A link is refused. */
export async function inspect(path: string): Promise<Seen | undefined> {
  const plain = await checkEntry(path, 'file').catch(async (error: unknown) => {
    if (!(error instanceof StoreError) || error.code !== 'STORE_UNSAFE') throw error;
    // Released between the check and this look: gone, like any lock that vanished.
    const now = await lstat(path).catch(() => undefined);
    if (!now) return undefined;
    // A folder: an earlier version's lock, judged by its age alone.
    if (!now.isSymbolicLink()) return null;
    throw error;
  });
  if (plain === undefined) return undefined;
  const stats = await lstat(path, { bigint: true }).catch(() => undefined);
  if (!stats) return undefined;
  if (plain === null) return { stats };
  const text = await readNoFollow(path).catch(() => '');
  let owner: LockOwner | undefined;
  try {
    owner = LockOwnerSchema.parse(JSON.parse(text));
  } catch {
    owner = undefined; // killed between create and write: judged by age
  }
  return { stats, owner };
}

/** Move the judged lock away; true when it was that lock (and not a newer one) that moved. */
export async function takeOver(path: string, seen: Seen): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await lstat(aside, { bigint: true });
  const same = moved.ino === seen.stats.ino && moved.mtimeNs === seen.stats.mtimeNs;
  // A newer lock moved by mistake goes back, unless yet another one is there already.
  if (!same) await (moved.isDirectory() ? rename(aside, path) : link(aside, path)).catch(() => {});
  await rm(aside, { recursive: true, force: true });
  return same;
}

/** Take the lock at `path` (the lock of `file`); resolves to its release. */
export async function acquireLock(
  path: string,
  file: string,
  opts: LockOptions,
): Promise<() => Promise<void>> {
  const platform = opts.platform ?? process.platform;
  const staleMs = opts.staleMs ?? 10_000;
  const mine: LockOwner = { ...thisProcess(platform), nonce: randomBytes(8).toString('hex') };
  const deadline = Date.now() + (opts.waitMs ?? 60_000);
  let delay = 15;
  let holder: LockOwner | undefined;
  try {
    for (;;) {
      if (await tryCreate(path, mine)) {
        await sweepDrafts(path, mine, opts, platform);
        return holding(path, file, mine, opts);
      }
      const seen = await inspect(path);
      if (!seen) continue;
      holder = seen.owner;
      const gone = seen.owner && ownerIsGone(seen.owner, mine, opts.probe ?? realProbe, platform);
      const age = Date.now() - Number(seen.stats.mtimeMs);
      if ((gone || age > staleMs) && (await takeOver(path, seen))) {
        opts.log.warn(
          gone
            ? `Took over the lock ${path}: its holder (pid ${seen.owner?.pid}) is no longer running.`
            : `Took over the lock ${path}: its holder${seen.owner ? ` (pid ${seen.owner.pid} on ${seen.owner.hostname})` : ''} has not touched it for ${Math.round(age / 1000)} s.`,
        );
        continue;
      }
      if (Date.now() > deadline) break;
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(150, delay * 1.3);
    }
  } catch (error) {
    throw storeErrorFor('lock', file, error, 'STORE_LOCK_FAILED');
  }
  const who = holder
    ? `Another Hostsmith MCP process (pid ${holder.pid} on ${holder.hostname})`
    : 'Another process';
  throw new StoreError(
    'STORE_LOCK_FAILED',
    `Cannot lock ${file}: ${who} has held ${path} for over ${Math.round((opts.waitMs ?? 60_000) / 1000)} s. Try again in a moment; if no such process is running, delete ${path}.`,
  );
}

/** Locks this process holds (path → record): a process that exits while holding one lets go. */
const held = new Map<string, string>();
let exitHook = false;

function releaseOnExit(path: string, record: string): void {
  held.set(path, record);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const [lock, mine] of held) {
      try {
        if (readFileSync(lock, 'utf8') === mine) unlinkSync(lock);
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  });
}

/** Keep our lock fresh; release removes it only while it is still ours. */
function holding(path: string, file: string, mine: LockOwner, opts: LockOptions): () => Promise<void> {
  let lost = false;
  const record = JSON.stringify(mine);
  releaseOnExit(path, record);
  const ours = async () => (await readNoFollow(path).catch(() => '')) === record;
  const timer = setInterval(async () => {
    if (lost) return;
    if (await ours()) {
      const now = new Date();
      await lutimes(path, now, now).catch(() => {});
      return;
    }
    lost = true;
    opts.log.warn(`The lock on ${file} was lost while held (${path} was removed or taken over).`);
  }, opts.refreshMs ?? 2_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if (held.get(path) === record) held.delete(path);
    if (!lost && (await ours())) await unlink(path).catch(() => {});
  };
}
