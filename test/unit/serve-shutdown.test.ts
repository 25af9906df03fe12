// The shutdown sequence and its critical-section registry, with fake workspaces and stores:
// credential work under way is waited for (bounded), work past the bound is cut, and only
// writes and held locks count as critical.
import { describe, expect, it } from 'vitest';
import { CriticalSections, guardStore } from '../../src/auth/critical.js';
import { shutdown } from '../../src/commands/serve/shutdown.js';
import { createLogger } from '../../src/log.js';
import type { CredentialStore } from '../../src/store/types.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CriticalSections', () => {
  it('drains sections that settle, failed ones included, and those started while draining', async () => {
    const sections = new CriticalSections();
    const first = deferred();
    const second = deferred();
    const failing = deferred();
    void sections.run(() => first.promise);
    sections.run(() => failing.promise).catch(() => {});
    expect(sections.size).toBe(2);
    let drained: boolean | undefined;
    void sections.drain(60_000).then((value) => {
      drained = value;
    });
    failing.reject(new Error('refresh failed'));
    first.resolve();
    // Started by the first one's continuation, before the drain looked again.
    void sections.run(() => second.promise);
    await tick();
    expect(drained).toBeUndefined();
    second.resolve();
    await tick();
    await tick();
    expect(drained).toBe(true);
    expect(sections.size).toBe(0);
  });

  it('gives up after its bound when a section never settles', async () => {
    const sections = new CriticalSections();
    void sections.run(() => new Promise(() => {}));
    expect(await sections.drain(20)).toBe(false);
    expect(sections.size).toBe(1);
  });

  it('hands back the result and the error of the work it tracks', async () => {
    const sections = new CriticalSections();
    expect(await sections.run(async () => 42)).toBe(42);
    await expect(sections.run(async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
  });
});

describe('guardStore', () => {
  it('registers writes and held locks, not reads, and passes calls through unchanged', async () => {
    const sections = new CriticalSections();
    const lockHeld = deferred();
    const calls: string[] = [];
    const store = {
      dir: '/d',
      file: '/d/oauth.json',
      storage: 'file',
      read: async (resource: string) => {
        calls.push(`read ${resource}`);
        return undefined;
      },
      write: async (resource: string) => {
        calls.push(`write ${resource}`);
      },
      withLock: async <T>(fn: () => Promise<T>) => {
        await lockHeld.promise;
        return fn();
      },
    } as unknown as CredentialStore;
    const guarded = guardStore(store, sections);
    expect(guarded.file).toBe('/d/oauth.json');
    expect(guarded.storage).toBe('file');

    await guarded.read('r1');
    expect(sections.size).toBe(0);
    const locked = guarded.withLock(async () => {
      await guarded.write('r1', {} as never);
      return 'done';
    });
    expect(sections.size).toBe(1);
    lockHeld.resolve();
    expect(await locked).toBe('done');
    expect(calls).toEqual(['read r1', 'write r1']);
    expect(await sections.drain(1000)).toBe(true);
  });
});

describe('shutdown', () => {
  const quiet = () => {
    const lines: string[] = [];
    return { lines, log: createLogger({ write: (line) => lines.push(line) }) };
  };

  it('stops serving first, waits for credential work, then closes workspaces without aborting', async () => {
    const sections = new CriticalSections();
    const events: string[] = [];
    const refresh = deferred();
    void sections.run(async () => {
      await refresh.promise;
      events.push('rotated pair written');
    });
    const { lines, log } = quiet();
    const done = shutdown({
      stopServing: async () => {
        events.push('stopped serving');
      },
      workspaces: [
        Promise.resolve({
          close: async (options?: { abort?: boolean }) => {
            events.push(`closed (abort: ${options?.abort})`);
          },
        }),
      ],
      critical: sections,
      log,
    });
    await tick();
    expect(events).toEqual(['stopped serving']);
    refresh.resolve();
    await done;
    expect(events).toEqual(['stopped serving', 'rotated pair written', 'closed (abort: false)']);
    expect(lines).toEqual([]);
  });

  it('past the grace, says so and closes with abort, which ends the stuck work', async () => {
    const sections = new CriticalSections();
    const stuck = deferred();
    sections.run(() => stuck.promise).catch(() => {});
    const { lines, log } = quiet();
    let aborted = false;
    // A workspace that failed to open (its failure already reported to the call) is skipped.
    const failed = Promise.reject(new Error('no keychain'));
    failed.catch(() => {});
    await shutdown({
      stopServing: async () => {},
      workspaces: [
        Promise.resolve({
          close: async (options?: { abort?: boolean }) => {
            aborted = options?.abort === true;
            // Cutting the request makes the refresh fail, which releases its lock.
            stuck.reject(new Error('request aborted'));
          },
        }),
        failed,
      ],
      critical: sections,
      log,
      graceMs: 20,
    });
    expect(aborted).toBe(true);
    expect(sections.size).toBe(0);
    expect(lines.join('')).toContain('a credential update was still under way after 0.02 s');
  });
});
