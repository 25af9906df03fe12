// Is the process that owns a pending sign-in still there? A PID says little: Windows reuses
// PIDs soon, and a hard-killed owner leaves its marker behind. So the owner's loopback server
// answers GET /alive/<nonce> with HMAC-SHA256(key, nonce), the key held only in its memory. The
// marker records the probe URL and the expected digest (oauth.json is the person's own file and
// already holds tokens), so any process sharing the store can check the answer, while a program
// that now happens to listen on that port cannot produce it. The probe touches nothing else:
// the one-time start link must never be spent on a liveness check.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request } from 'node:http';
import { isRunning } from '../store/lock-owner.js';
import type { OwnerProbe, PendingSignIn } from '../store/types.js';

export const ALIVE_PATH = '/alive/';
/** Alive means the right answer within this long; a loopback server answers in about a millisecond. */
export const PROBE_TIMEOUT_MS = 500;
/** More than a digest is not an answer. */
const MAX_ANSWER_BYTES = 256;

/** The owner's side: a key only this process knows, and the nonce its marker names. */
export interface OwnerSecret {
  /** The answer for a request path: the digest for /alive/<our nonce>, undefined otherwise. */
  answer(pathname: string): string | undefined;
  /** What the marker records, for the loopback server at `origin`. */
  probe(origin: string): OwnerProbe;
}

export function createOwnerSecret(): OwnerSecret {
  const key = randomBytes(32);
  const nonce = randomBytes(16).toString('base64url');
  const digest = createHmac('sha256', key).update(nonce).digest('hex');
  const path = `${ALIVE_PATH}${nonce}`;
  return {
    answer: (pathname) => (pathname === path ? digest : undefined),
    probe: (origin) => ({ url: `${origin}${path}`, digest }),
  };
}

/** Whether a process with this id exists (any process: the id may have been reused). */
export const pidAlive = isRunning;

/** Only our own kind of URL is ever requested: loopback, plain HTTP, the alive path. */
function probeTarget(url: string): URL | undefined {
  try {
    const target = new URL(url);
    const loopback = target.hostname === '127.0.0.1' || target.hostname === 'localhost';
    return loopback && target.protocol === 'http:' && target.pathname.startsWith(ALIVE_PATH)
      ? target
      : undefined;
  } catch {
    return undefined;
  }
}

function sameDigest(answer: string, expected: string): boolean {
  const a = Buffer.from(answer);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** true when the probe URL answers 200 with the expected digest within `timeoutMs`. */
export function probeOwner(probe: OwnerProbe, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const target = probeTarget(probe.url);
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    let settled = false;
    const done = (alive: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(alive);
    };
    // One deadline for connect, headers and body: a listener that stalls is not our owner.
    const timer = setTimeout(() => done(false), timeoutMs);
    const req = request(target, { agent: false, headers: { connection: 'close' } }, (res) => {
      if (res.statusCode !== 200) return done(false);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_ANSWER_BYTES) done(false);
      });
      res.on('end', () => done(sameDigest(body.trim(), probe.digest)));
      res.on('error', () => done(false));
    });
    req.on('error', () => done(false));
    req.end();
  });
}

/**
 * Whether another process still owns this marker's sign-in. A missing PID is proof of death and
 * saves the probe; an existing one proves nothing, so the owner must answer.
 */
export async function ownerAnswers(pending: PendingSignIn, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  if (!pending.owner || !pidAlive(pending.pid)) return false;
  return probeOwner(pending.owner, timeoutMs);
}
