// The store lock: oauth.json.lock, created O_EXCL, holding an owner record (pid, hostname, boot
// id, process start time). A lock whose owner is on this host and boot and whose pid and start
// time match no running process is taken over at once with one stderr line; any other lock waits
// for the stale timeout. The pure rules are tested for linux, darwin and win32.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
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
      const waiting = io
        .update(() => {})
        .then(() => {
          done = true;
        });
      await sleep(500);
      expect(done, owner.nonce).toBe(false);
      expect(JSON.parse(readFileSync(io.lockPath, 'utf8')).nonce).toBe(owner.nonce);
      (await import('node:fs')).rmSync(io.lockPath);
      await waiting;
    }
    expect(lines).toEqual([]);
  });
});
