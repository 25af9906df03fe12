// oauth.json: validated on every read, written atomically (temp file, fsync, rename — retried
// while Windows says another program has it open; see replace.ts) with mode 0600 in a 0700
// folder, and changed only under a cross-process lock (lock.ts). Never through a symlink
// (guard.ts); modes corrected on every read on POSIX. A file that fails validation is set aside
// and treated as signed out — never a crash. Every failure is a StoreError in words, on stderr.
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmod, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log.js';
import { type StoreError, storeErrorFor } from './errors.js';
import { checkEntry, keepMode, readNoFollow } from './guard.js';
import { acquireLock } from './lock.js';
import { STORE_FILE } from './paths.js';
import { type ReplaceFs, renameRetrying, replaceFile } from './replace.js';
import { hasTemps, sweepTemps } from './temp-sweep.js';
import { type StoreFile, StoreFileSchema } from './types.js';

export { StoreError } from './errors.js';

const EMPTY: StoreFile = { version: 1, credentials: {}, registrations: {}, pending_sign_ins: {} };

/** Lock holders in this process, per lock file: each waits for the one before it. */
const queues = new Map<string, Promise<void>>();

async function inProcessQueue<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = before.then(() => mine);
  queues.set(key, tail);
  await before;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

function parse(text: string): StoreFile | undefined {
  try {
    const parsed = StoreFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Each failure is said once on stderr, however many layers it passes through. */
const said = new WeakSet<Error>();

/** The raw file: read, lock, update. The CredentialStore builds on it. */
export class StoreFileIO {
  readonly file: string;
  readonly lockPath: string;
  /** Set while this async context holds the lock, so nested updates do not wait on themselves. */
  private readonly holding = new AsyncLocalStorage<boolean>();
  /** Leftover temp files are dealt with once, the first time the store is used. */
  private swept = false;
  /** The failure last said: the same one again (the next call, the next read) is not repeated. */
  private lastSaid: string | undefined;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    /** The file system calls that replace and set aside the file (Node's, unless a test fakes them). */
    private readonly fs?: ReplaceFs,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.file = join(dir, STORE_FILE);
    this.lockPath = `${this.file}.lock`;
  }

  /**
   * Put a failure in words and say it on stderr (at the default level) once, then throw it. Until
   * the file is read or written again, the same failure is not said again.
   */
  private async said<T>(
    doing: string,
    path: string,
    code: StoreError['code'],
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await fn();
      if (doing === 'read' || doing === 'write') this.lastSaid = undefined;
      return result;
    } catch (error) {
      const failure = storeErrorFor(doing, path, error, code);
      if (!said.has(failure) && failure.message !== this.lastSaid) this.log.error(failure.message);
      said.add(failure);
      this.lastSaid = failure.message;
      throw failure;
    }
  }

  private async keepMode(path: string, mode: number, want: number, set: (m: number) => Promise<void>) {
    const line = await keepMode(path, mode, want, set, this.platform);
    if (line) this.log.warn(line);
  }

  /** The folder, 0700, never a link; its ancestors are made as needed (and may be links). */
  ensureDir(): Promise<void> {
    return this.said('create the folder', this.dir, 'STORE_WRITE_FAILED', async () => {
      await mkdir(dirname(this.dir), { recursive: true, mode: 0o700 });
      await mkdir(this.dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      await this.checkDir();
    });
  }

  /** lstat the folder: refuse a link, correct its mode; false when it does not exist. */
  private async checkDir(): Promise<boolean> {
    const stats = await checkEntry(this.dir, 'folder');
    if (!stats) return false;
    await this.keepMode(this.dir, stats.mode, 0o700, (m) => chmod(this.dir, m));
    return true;
  }

  /** The file's content; EMPTY when there is none or it was set aside. Always from disk. */
  async read(): Promise<StoreFile> {
    if (!this.swept && !this.holding.getStore()) {
      // Leftovers are swept under the lock; without any, reads stay lock-free.
      if (await hasTemps(this.file)) return this.withLock(() => this.read());
      this.swept = true;
    }
    const first = await this.readOnce();
    if (first) return first;
    // Set aside only under the lock and after a second look: another process may have just
    // replaced the bad file with a good one, which must not be renamed away.
    return this.withLock(async () => {
      const again = await this.readOnce();
      if (again) return again;
      await this.setAside();
      return structuredClone(EMPTY);
    });
  }

  /** The validated content, EMPTY when there is no file, undefined when it is corrupt. */
  private readOnce(): Promise<StoreFile | undefined> {
    return this.said('read', this.file, 'STORE_UNREADABLE', async () => {
      if (!(await this.checkDir())) return structuredClone(EMPTY);
      const stats = await checkEntry(this.file, 'file');
      if (!stats) return structuredClone(EMPTY);
      await this.keepMode(this.file, stats.mode, 0o600, (m) => chmod(this.file, m));
      return parse(await readNoFollow(this.file));
    });
  }

  private setAside(): Promise<void> {
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    return this.said('set aside', this.file, 'STORE_UNREADABLE', async () => {
      try {
        await renameRetrying(this.file, aside, { verb: 'set aside', file: this.file }, this.fs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      this.log.warn(
        `${this.file} was corrupt or in an unknown format; it was set aside as ${aside}. You are signed out and will be asked to sign in again.`,
      );
    });
  }

  /** Replace the file, under the lock (re-entrant): temp files only ever exist under it. */
  write(content: StoreFile): Promise<void> {
    return this.withLock(() =>
      this.said('write', this.file, 'STORE_WRITE_FAILED', async () => {
        // Never replace a link (or a folder) someone put where the file goes.
        await checkEntry(this.file, 'file');
        await replaceFile(this.file, `${JSON.stringify(content, null, 2)}\n`, {
          mode: 0o600,
          log: this.log,
          ...(this.fs ? { fs: this.fs } : {}),
        });
        this.log.debug(`store: wrote ${basename(this.file)}`);
      }),
    );
  }

  /**
   * Run fn holding the cross-process lock; re-entrant within one async context. Callers in this
   * process queue in order first, so only one of them at a time polls the lock file.
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holding.getStore()) return fn();
    return inProcessQueue(this.lockPath, async () => {
      await this.ensureDir();
      this.log.debug(`store: waiting for the lock ${basename(this.lockPath)}`);
      const release = await this.said('lock', this.file, 'STORE_LOCK_FAILED', () =>
        acquireLock(this.lockPath, this.file, { log: this.log, platform: this.platform }),
      );
      this.log.debug(`store: holding the lock ${basename(this.lockPath)}`);
      try {
        if (!this.swept) {
          // Once per store: a sweep that cannot finish says so and never fails the caller.
          this.swept = true;
          await sweepTemps(this.file, (text) => parse(text) !== undefined, this.log, {
            platform: this.platform,
            ...(this.fs ? { fs: this.fs } : {}),
          }).catch((error: Error) => {
            this.log.warn(`Could not clean up temp files next to ${this.file}: ${error.message}`);
          });
        }
        return await this.holding.run(true, fn);
      } finally {
        await release().catch(() => {});
        this.log.debug(`store: released the lock ${basename(this.lockPath)}`);
      }
    });
  }

  /** Read, change, write, under the lock. */
  update(change: (content: StoreFile) => void | Promise<void>): Promise<void> {
    return this.withLock(async () => {
      const content = await this.read();
      await change(content);
      await this.write(content);
    });
  }
}
