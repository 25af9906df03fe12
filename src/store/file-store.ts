// oauth.json: validated on every read, written atomically (temp file, fsync, rename — retried
// while Windows says another program has it open; see replace.ts) with mode 0600 in a 0700
// folder, and changed only under a cross-process lock. A file that fails validation is set aside
// and treated as signed out — never a crash.
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../log.js';
import { STORE_FILE } from './paths.js';
import { FileBusyError, type ReplaceFs, renameRetrying, replaceFile } from './replace.js';
import { type StoreFile, StoreFileSchema } from './types.js';

const EMPTY: StoreFile = { version: 1, credentials: {}, registrations: {}, pending_sign_ins: {} };

export class StoreError extends Error {
  constructor(
    readonly code: 'STORE_UNREADABLE' | 'STORE_LOCK_FAILED' | 'STORE_WRITE_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** A FileBusyError already names the file and what to do; other errors get the file named. */
function cannot(verb: string, file: string, error: unknown): string {
  return error instanceof FileBusyError
    ? error.message
    : `Cannot ${verb} ${file}: ${(error as Error).message}`;
}

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

/** The raw file: read, lock, update. The CredentialStore builds on it. */
export class StoreFileIO {
  readonly file: string;
  readonly lockPath: string;
  /** Set while this async context holds the lock, so nested updates do not wait on themselves. */
  private readonly holding = new AsyncLocalStorage<boolean>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    /** The file system calls that replace and set aside the file (Node's, unless a test fakes them). */
    private readonly fs?: ReplaceFs,
  ) {
    this.file = join(dir, STORE_FILE);
    this.lockPath = `${this.file}.lock`;
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const mode = (await stat(this.dir)).mode & 0o777;
    if (mode !== 0o700) await chmod(this.dir, 0o700);
  }

  /** The file's content; EMPTY when there is none or it was set aside. Always from disk. */
  async read(): Promise<StoreFile> {
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
  private async readOnce(): Promise<StoreFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw new StoreError('STORE_UNREADABLE', `Cannot read ${this.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = StoreFileSchema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  }

  private async setAside(): Promise<void> {
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await renameRetrying(this.file, aside, { verb: 'set aside', file: this.file }, this.fs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StoreError('STORE_UNREADABLE', cannot('set aside', this.file, error), { cause: error });
    }
    this.log.warn(
      `${this.file} was corrupt or in an unknown format; it was set aside as ${aside}. You are signed out and will be asked to sign in again.`,
    );
  }

  async write(content: StoreFile): Promise<void> {
    await this.ensureDir();
    try {
      await replaceFile(this.file, `${JSON.stringify(content, null, 2)}\n`, {
        mode: 0o600,
        ...(this.fs ? { fs: this.fs } : {}),
      });
    } catch (error) {
      throw new StoreError('STORE_WRITE_FAILED', cannot('write', this.file, error), { cause: error });
    }
  }

  /**
   * Run fn holding the cross-process lock; re-entrant within one async context. Callers in this
   * process queue in order first, so only one of them at a time polls the lock file.
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holding.getStore()) return fn();
    return inProcessQueue(this.lockPath, async () => {
      await this.ensureDir();
      let release: () => Promise<void>;
      try {
        release = await lockfile.lock(this.dir, {
          lockfilePath: this.lockPath,
          realpath: false,
          // A lock whose holder died is broken after 10 s; a live holder keeps it fresh.
          stale: 10_000,
          update: 2_000,
          retries: { retries: 400, factor: 1.3, minTimeout: 15, maxTimeout: 150, randomize: true },
          // The default throws from a timer, which would crash the server; the holder's work is
          // already under way, so say so and let it finish.
          onCompromised: (error) => {
            this.log.warn(`The lock on ${this.file} was lost while held (${error.message}).`);
          },
        });
      } catch (error) {
        throw new StoreError('STORE_LOCK_FAILED', `Cannot lock ${this.file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      try {
        return await this.holding.run(true, fn);
      } finally {
        await release().catch(() => {});
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
