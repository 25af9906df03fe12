// Who holds the store lock, and whether that process is gone. The lock file carries an owner
// record; a lock whose owner is on this host and boot, and whose pid and start time match no
// running process, can be taken over at once instead of after the stale timeout. PIDs are reused,
// so the start time tells a new process with an old pid apart: Linux gives it exactly
// (/proc/<pid>/stat field 22, clock ticks since boot); macOS and Windows have no cheap way to read
// another process's start time, so there only "no process with that pid" counts as gone.
import { readFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import * as z from 'zod/v4';

export const LockOwnerSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  /** Linux: the kernel's boot_id; elsewhere `boot-time:<Unix seconds>` from the uptime. */
  boot_id: z.string(),
  /** Linux: /proc/<pid>/stat field 22; elsewhere `started-ms:<Unix ms>` (recorded, never compared). */
  start_time: z.string(),
  /** This acquisition's own mark: tells our lock from one that replaced it. */
  nonce: z.string(),
});
export type LockOwner = z.infer<typeof LockOwnerSchema>;

export interface ReadDeps {
  /** A file's text, undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the name (field 2) may hold spaces and ")", so count from the last ")". */
export function parseStartTime(stat: string): string | undefined {
  const end = stat.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = stat.slice(end + 2).split(' ');
  const value = fields[19]; // fields[0] is field 3
  return value && /^\d+$/.test(value) ? value : undefined;
}

export function bootId(
  platform: NodeJS.Platform,
  deps: ReadDeps & { uptime(): number; now(): number },
): string {
  if (platform === 'linux') {
    const id = deps.readText('/proc/sys/kernel/random/boot_id')?.trim();
    if (id) return id;
  }
  return `boot-time:${Math.round(deps.now() / 1000 - deps.uptime())}`;
}

/** Another process's start time where the platform tells it (Linux), else undefined. */
export function processStartTime(
  pid: number,
  platform: NodeJS.Platform,
  deps: ReadDeps = { readText },
): string | undefined {
  if (platform !== 'linux') return undefined;
  const stat = deps.readText(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : parseStartTime(stat);
}

/** Two boot ids name one boot; uptime-derived boot times may differ by the clock's jitter. */
function sameBoot(a: string, b: string): boolean {
  const boot = /^boot-time:(-?\d+)$/;
  const [ma, mb] = [boot.exec(a), boot.exec(b)];
  if (ma && mb) return Math.abs(Number(ma[1]) - Number(mb[1])) <= 2;
  return a === b;
}

export interface ProcessProbe {
  running(pid: number): boolean;
  startTime(pid: number): string | undefined;
}

/**
 * True only when the owner is certainly gone: on this host and boot, and no running process has
 * its pid with its start time. Anything else (another host sharing the folder, another boot,
 * a pid alive whose start time cannot be read) is left to the stale timeout.
 */
export function ownerIsGone(
  owner: LockOwner,
  here: { hostname: string; boot_id: string },
  probe: ProcessProbe,
  platform: NodeJS.Platform,
): boolean {
  if (owner.hostname !== here.hostname || !sameBoot(owner.boot_id, here.boot_id)) return false;
  if (!probe.running(owner.pid)) return true;
  if (platform !== 'linux') return false;
  const now = probe.startTime(owner.pid);
  return now !== undefined && /^\d+$/.test(owner.start_time) && now !== owner.start_time;
}

/** Whether any process has this pid (EPERM: it exists, as another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let me: Omit<LockOwner, 'nonce'> | undefined;

/** This process's owner record (without a nonce), computed once. */
export function thisProcess(platform: NodeJS.Platform = process.platform): Omit<LockOwner, 'nonce'> {
  me ??= {
    pid: process.pid,
    hostname: hostname(),
    boot_id: bootId(platform, { readText, uptime, now: Date.now }),
    start_time:
      processStartTime(process.pid, platform) ??
      `started-ms:${Math.round(Date.now() - process.uptime() * 1000)}`,
  };
  return me;
}

export const realProbe: ProcessProbe = {
  running: isRunning,
  startTime: (pid) => processStartTime(pid, process.platform),
};
