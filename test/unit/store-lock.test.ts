// The store lock: oauth.json.lock, created O_EXCL, holding an owner record (pid, hostname, boot
// id, process start time). A lock whose owner is on this host and boot and whose pid and start
// time match no running process is taken over at once with one stderr line; any other lock waits
// for the stale timeout. The pure rules are tested for linux, darwin and win32.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreFileIO } from '../../src/store/file-store.js';
import {
  bootId,
  type LockOwner,
  ownerIsGone,
  parseStartTime,
  processStartTime,
  thisProcess,
} from '../../src/store/lock-owner.js';

const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-lock-'));

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l) }) };
}

/** A pid that just exited (reused later, perhaps, but not within this test). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const STAT = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 11 0 987654 1000 100';

describe('who holds a lock (pure)', () => {
  it('reads the start time from /proc/<pid>/stat field 22, even with ") " in the name', () => {
    expect(parseStartTime(STAT)).toBe('987654');
    expect(parseStartTime('garbage')).toBeUndefined();
  });

  it('boot id: the kernel boot_id on linux; the boot time from the uptime elsewhere', () => {
    const files: Record<string, string> = { '/proc/sys/kernel/random/boot_id': 'b1a2c3\n' };
    const deps = { readText: (p: string) => files[p], uptime: () => 1000, now: () => 1_700_000_000_400 };
    expect(bootId('linux', deps)).toBe('b1a2c3');
    expect(bootId('darwin', deps)).toBe('boot-time:1699999000');
    expect(bootId('win32', deps)).toBe('boot-time:1699999000');
  });

  it('process start time: /proc on linux; unknown for other processes elsewhere', () => {
    const deps = { readText: (p: string) => (p === '/proc/4242/stat' ? STAT : undefined) };
    expect(processStartTime(4242, 'linux', deps)).toBe('987654');
    expect(processStartTime(4243, 'linux', deps)).toBeUndefined();
    expect(processStartTime(4242, 'darwin', deps)).toBeUndefined();
    expect(processStartTime(4242, 'win32', deps)).toBeUndefined();
  });

  const owner: LockOwner = {
    pid: 4242,
    hostname: 'ada-laptop',
    boot_id: 'b1',
    start_time: '987654',
    nonce: 'n',
  };
  const here = { hostname: 'ada-laptop', boot_id: 'b1' };

  it.each([
    'linux',
    'darwin',
    'win32',
  ] as const)('%s: gone only when on this host and boot and not running', (platform) => {
    const none = { running: () => false, startTime: () => undefined };
    expect(ownerIsGone(owner, here, none, platform)).toBe(true);
    expect(ownerIsGone({ ...owner, hostname: 'other' }, here, none, platform)).toBe(false);
    expect(ownerIsGone({ ...owner, boot_id: 'b0' }, here, none, platform)).toBe(false);
    // Running, same start time: alive.
    expect(ownerIsGone(owner, here, { running: () => true, startTime: () => '987654' }, platform)).toBe(
      false,
    );
    // Running, start time unknown (darwin, win32 for others; a process we cannot read): alive.
    expect(ownerIsGone(owner, here, { running: () => true, startTime: () => undefined }, platform)).toBe(
      false,
    );
    // Running with another start time: on linux the pid was reused and the owner is gone; elsewhere
    // no start time of another process is read, so a running pid counts as alive.
    expect(ownerIsGone(owner, here, { running: () => true, startTime: () => '1' }, platform)).toBe(
      platform === 'linux',
    );
  });

  it('boot times from the uptime match within 2 s (the clock moves between the two readings)', () => {
    const none = { running: () => false, startTime: () => undefined };
    const at = (t: number) => ({ ...owner, boot_id: `boot-time:${t}` });
    const hereAt = { hostname: 'ada-laptop', boot_id: 'boot-time:1000' };
    expect(ownerIsGone(at(1001), hereAt, none, 'darwin')).toBe(true);
    expect(ownerIsGone(at(1010), hereAt, none, 'darwin')).toBe(false);
  });

  it('this process: pid, hostname, boot id and its own start time', () => {
    const me = thisProcess();
    expect(me.pid).toBe(process.pid);
    expect(me.hostname).toBe(hostname());
    expect(me.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(me.start_time).toBe(parseStartTime(readFileSync(`/proc/${process.pid}/stat`, 'utf8')));
  });
});

describe('the lock file', () => {
  it('holds the owner record while held, and is gone after', async () => {
    const io = new StoreFileIO(join(await tmp(), 'c/hostsmith'), capture().log);
    const record = await io.withLock(async () => JSON.parse(readFileSync(io.lockPath, 'utf8')));
    expect(record).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
      boot_id: thisProcess().boot_id,
      start_time: thisProcess().start_time,
    });
    expect(existsSync(io.lockPath)).toBe(false);
  });

  it("a dead holder's fresh lock is taken over at once, with one stderr line", async () => {
    const { lines, log } = capture();
    const io = new StoreFileIO(join(await tmp(), 'c/hostsmith'), log);
    await io.ensureDir();
    const pid = deadPid();
    const dead = { ...thisProcess(), pid, start_time: '1', nonce: 'dead' };
    writeFileSync(io.lockPath, JSON.stringify(dead)); // mtime now: far from stale
    let held: LockOwner | undefined;
    await io.withLock(async () => {
      held = JSON.parse(readFileSync(io.lockPath, 'utf8'));
    });
    expect(held?.pid).toBe(process.pid);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(io.lockPath);
    expect(lines[0]).toContain(String(pid));
    expect(lines[0]).toMatch(/no longer running/);
  });

  it('a lock held by a process on another host (or one alive here) waits: it is not taken over', async () => {
    const { lines, log } = capture();
    const dir = join(await tmp(), 'c/hostsmith');
    const io = new StoreFileIO(dir, log);
    await io.ensureDir();
    const cases: LockOwner[] = [
      { ...thisProcess(), pid: deadPid(), hostname: 'some-other-host', nonce: 'a' },
      { ...thisProcess(), pid: deadPid(), boot_id: 'an-earlier-boot', nonce: 'b' },
      {
        ...thisProcess(),
        pid: process.ppid,
        start_time: processStartTime(process.ppid, 'linux') ?? '',
        nonce: 'c',
      },
    ];
    for (const owner of cases) {
      writeFileSync(io.lockPath, JSON.stringify(owner));
      let done = false;
      // Each try to take the lock links a fresh draft next to it: three tries seen means the lock
      // was judged at least twice (a wrong takeover comes at the first judgement, and says so).
      const drafts = new Set<string>();
      const watcher = watch(dir, (_event, name) => {
        if (name?.startsWith('oauth.json.lock.new-')) drafts.add(name);
      });
      const waiting = io
        .update(() => {})
        .then(() => {
          done = true;
        });
      try {
        // (Or it took the lock already: then the checks below say how.)
        await vi.waitFor(() => expect(drafts.size >= 3 || done || lines.length > 0).toBe(true), {
          timeout: 30_000,
        });
      } finally {
        watcher.close();
      }
      expect(lines, owner.nonce).toEqual([]);
      expect(done, owner.nonce).toBe(false);
      expect(JSON.parse(readFileSync(io.lockPath, 'utf8')).nonce).toBe(owner.nonce);
      (await import('node:fs')).rmSync(io.lockPath);
      await waiting;
    }
    expect(lines).toEqual([]);
  });
});

describe('breaking a stale lock', () => {
  it('two takers racing for one stale lock: one wins, the other waits for it (20 rounds)', async () => {
    const { acquireLock } = await import('../../src/store/lock.js');
    const { utimesSync } = await import('node:fs');
    const dir = await tmp();
    const path = join(dir, 'oauth.json.lock');
    const { lines, log } = capture();
    for (let round = 0; round < 20; round++) {
      writeFileSync(path, JSON.stringify({ ...thisProcess(), hostname: 'elsewhere', nonce: `old-${round}` }));
      const old = new Date(Date.now() - 30_000);
      utimesSync(path, old, old);
      const inside: number[] = [];
      let overlap = false;
      await Promise.all(
        [1, 2, 3].map(async (who) => {
          const release = await acquireLock(path, join(dir, 'oauth.json'), { log });
          if (inside.length > 0) overlap = true;
          inside.push(who);
          await sleep(5);
          inside.pop();
          await release();
        }),
      );
      expect(overlap, `round ${round}`).toBe(false);
    }
    expect(lines.filter((l) => /Took over/.test(l))).toHaveLength(20); // one taker per stale lock
    expect(existsSync(path)).toBe(false);
  });

  it('a taker that judged an old lock never removes the newer one another taker made meanwhile', async () => {
    const { inspect, takeOver } = await import('../../src/store/lock.js');
    const { renameSync, utimesSync } = await import('node:fs');
    const dir = await tmp();
    const path = join(dir, 'oauth.json.lock');
    writeFileSync(path, JSON.stringify({ ...thisProcess(), hostname: 'elsewhere', nonce: 'old' }));
    const old = new Date(Date.now() - 30_000);
    utimesSync(path, old, old);
    const judged = await inspect(path);
    expect(judged?.owner?.nonce).toBe('old');
    // Another taker was quicker: moved the old lock away and made its own.
    renameSync(path, `${path}.gone`);
    const fresh = JSON.stringify({ ...thisProcess(), nonce: 'fresh' });
    writeFileSync(path, fresh);
    expect(await takeOver(path, judged!)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(fresh); // put back where it was
    // The lock it judged is still there: that one it takes.
    const again = await inspect(path);
    expect(await takeOver(path, again!)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});

describe('between processes', () => {
  it('serializes read-modify-write: 6 processes × 10 increments lose none', async () => {
    const { spawn } = await import('node:child_process');
    const dir = join(await tmp(), 'c/hostsmith');
    const script = `
      import { StoreFileIO } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))};
      const io = new StoreFileIO(${JSON.stringify(dir)}, { debug() {}, info() {}, warn() {}, error() {} });
      for (let i = 0; i < 10; i++)
        await io.update((c) => {
          const n = c.registrations.n?.registered_at ?? 0;
          c.registrations.n = { client_id: 'n', registered_at: n + 1 };
        });`;
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' }),
    );
    const codes = await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    expect(codes).toEqual(Array(6).fill(0));
    expect((await new StoreFileIO(dir, capture().log).read()).registrations.n?.registered_at).toBe(60);
    expect(existsSync(join(dir, 'oauth.json.lock'))).toBe(false);
  }, 60_000);
});

describe('a process that exits holding the lock', () => {
  it('lets it go on its way out', async () => {
    const { spawnSync: run } = await import('node:child_process');
    const dir = join(await tmp(), 'c/hostsmith');
    const script = `
      import { StoreFileIO } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))};
      const io = new StoreFileIO(${JSON.stringify(dir)}, { debug() {}, info() {}, warn() {}, error() {} });
      await io.withLock(async () => process.exit(3));`;
    const child = run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(child.status).toBe(3);
    expect(existsSync(join(dir, 'oauth.json'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a process killed as it creates the lock', () => {
  // Found by the crash-mid-write row: a kill between creating the lock file and writing its owner
  // record left an empty lock, which nobody can judge but by its age: the next process waited the
  // whole 10 s. The child dies (SIGKILL, no exit hook) the moment the lock path first exists.
  it('leaves no ownerless lock: the next taker sees a dead owner and takes over at once', async () => {
    const { spawnSync: run } = await import('node:child_process');
    const dir = join(await tmp(), 'c/hostsmith');
    const script = `
      import { syncBuiltinESMExports } from 'node:module';
      import { createRequire } from 'node:module';
      const fsp = createRequire(import.meta.url)('node:fs/promises');
      const lock = ${JSON.stringify(join(dir, 'oauth.json.lock'))};
      for (const name of ['open', 'link']) {
        const real = fsp[name];
        fsp[name] = async (...args) => {
          const result = await real(...args);
          if (args.some((a) => String(a) === lock)) process.kill(process.pid, 'SIGKILL');
          return result;
        };
      }
      syncBuiltinESMExports();
      const { StoreFileIO } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/store/file-store.ts'))});
      const io = new StoreFileIO(${JSON.stringify(dir)}, { debug() {}, info() {}, warn() {}, error() {} });
      await io.withLock(async () => {});
      process.exit(3);`;
    const child = run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(child.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'oauth.json.lock'))).toBe(true);

    const { acquireLock } = await import('../../src/store/lock.js');
    const { lines, log } = capture();
    // Shorter than the stale timeout: only a takeover for a dead owner gets the lock in time.
    const release = await acquireLock(join(dir, 'oauth.json.lock'), join(dir, 'oauth.json'), {
      log,
      waitMs: 3_000,
    });
    await release();
    expect(lines.join('')).toMatch(/its holder \(pid \d+\) is no longer running/);
    // The record's draft went with it (or was cleaned up): only the store's own files remain.
    expect(readdirSync(dir).filter((n) => n.startsWith('oauth.json.lock'))).toEqual([]);
  });
});
