// Whole processes, measured from outside: spawn, wall time, peak and current RSS of the child
// (VmHWM / VmRSS from /proc/<pid>/status), and a line-delimited JSON-RPC session over its stdio.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Every detached child still running: killed, group and all, if the bench process exits early. */
const live = new Set();
process.once('exit', () => {
  for (const child of live) killGroup(child);
});

/**
 * spawn() in a process group of its own (so npx's and npm's children can be ended with it),
 * remembered until it exits so that an interrupted bench leaves nothing running.
 */
export function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Milliseconds since `start` (a process.hrtime.bigint()). */
export const msSince = (start) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Peak (VmHWM) and current (VmRSS) resident memory of a live process in KiB, read from /proc;
 * undefined where there is no /proc or the process is gone. Read it before the child exits.
 */
export function memoryOf(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}

/**
 * Run a command to its end: { code, stdout, stderr, ms }. Rejects on a spawn error or when it
 * outlives timeoutMs (the whole process group is killed then, so npm's children go too).
 */
export function run(command, args, { cwd, env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawnGroup(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: msSince(started) });
    });
  });
}

/** Like run(), but a non-zero exit rejects with the command's own words. */
export async function runOk(command, args, opts) {
  const r = await run(command, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-4000) || r.stdout.slice(-4000)}`,
    );
  }
  return r;
}

/** SIGKILL a detached child's whole process group (npx → npm → the server), ignoring the gone. */
export function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

/** SIGTERM a detached child's process group, SIGKILL it after 5 s, and wait until it is gone. */
export async function stopGroup(child) {
  const gone = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child), 5000);
  await gone;
  clearTimeout(timer);
}

export const INITIALIZE = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'bench', version: '0' },
};

/**
 * A child speaking newline-delimited JSON-RPC on stdio (an MCP server, or npx starting one), in
 * its own process group. `startedAt` is taken just before spawn, so `request()` answers carry
 * the time from spawn as `sinceSpawnMs` as well as their own round trip.
 *
 *   const s = stdioSession(process.execPath, ['bin/hostsmith-mcp.js'], { env });
 *   const init = await s.request('initialize', INITIALIZE);   // { result, ms, sinceSpawnMs }
 *   s.notify('notifications/initialized'); const mem = memoryOf(s.pid); await s.close();
 */
export function stdioSession(command, args, { cwd, env, timeoutMs = 120_000 } = {}) {
  const startedAt = process.hrtime.bigint();
  const child = spawnGroup(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map();
  let nextId = 1;
  let stderr = '';
  let buffer = '';
  let exited = false;
  const failAll = (error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  child.stderr.setEncoding('utf8').on('data', (c) => {
    // Only the tail, for error messages: a chatty child must not grow this without bound.
    stderr = (stderr + c).slice(-8000);
  });
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not a message (npm's own chatter would go to stderr, but be lenient)
      }
      const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (!p) continue;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`${p.method} answered an error: ${JSON.stringify(msg.error)}`));
      else p.resolve({ result: msg.result, ms: msSince(p.sent), sinceSpawnMs: msSince(startedAt) });
    }
  });
  child.stdin.on('error', () => {}); // EPIPE after the child died: the exit below says why
  child.once('error', (error) => failAll(error));
  child.once('exit', (code, signal) => {
    exited = true;
    failAll(new Error(`${command} exited (${signal ?? code}) before answering; stderr:\n${stderr}`));
  });
  const write = (msg) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
  return {
    pid: child.pid,
    child,
    startedAt,
    stderr: () => stderr,
    request(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} got no answer within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        pending.set(id, { method, resolve, reject, timer, sent: process.hrtime.bigint() });
        write({ id, method, params });
      });
    },
    notify(method, params = {}) {
      write({ method, params });
    },
    /** End stdin (a stdio server's cue to exit), then kill the group if it lingers. */
    async close(graceMs = 2000) {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => killGroup(child), graceMs);
      await gone;
      clearTimeout(timer);
      // npx leaves nothing behind once its child is gone, but a group member might linger.
      killGroup(child);
    },
  };
}
