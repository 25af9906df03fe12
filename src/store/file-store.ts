// oauth.json: validated on every read, written atomically (temp file, fsync, rename) with mode
// 0600 in a 0700 folder, and changed only under a cross-process lock. A file that fails
// validation is set aside and treated as signed out — never a crash.
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmod, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import type { Logger } from '../log.js';
import { STORE_FILE } from './paths.js';
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

/** The raw file: read, lock, update. The CredentialStore builds on it. */
export class StoreFileIO {
  readonly file: string;
  readonly lockPath: string;
  /** Set while this async context holds the lock, so nested updates do not wait on themselves. */
  private readonly holding = new AsyncLocalStorage<boolean>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
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
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw new StoreError('STORE_UNREADABLE', `Cannot read ${this.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let parsed: ReturnType<typeof StoreFileSchema.safeParse>;
    try {
      parsed = StoreFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as ReturnType<typeof StoreFileSchema.safeParse>;
    }
    if (parsed.success) return parsed.data;
    await this.setAside();
    return structuredClone(EMPTY);
  }

  private async setAside(): Promise<void> {
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.file, aside);
      this.log.warn(
        `${this.file} was corrupt or in an unknown format; it was set aside as ${aside}. You will be asked to sign in again.`,
      );
    } catch (error) {
      // Another process set it aside first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async write(content: StoreFile): Promise<void> {
    await this.ensureDir();
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, fsync: true });
    } catch (error) {
      throw new StoreError('STORE_WRITE_FAILED', `Cannot write ${this.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Run fn holding the cross-process lock; re-entrant within one async context. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holding.getStore()) return fn();
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
