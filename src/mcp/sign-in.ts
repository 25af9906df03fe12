// The sign-in experience inside a tool call: when the Session says only a person can help,
// start (or join) a sign-in, show the link, wait a bounded time with progress, then retry once.
import { AuthError, type Session, SignInRequired } from '../auth/types.js';
import type { Logger } from '../log.js';

/** The person has not finished in time; the sign-in keeps waiting for the next call. */
export class SignInPending extends Error {
  readonly code = 'SIGN_IN_PENDING' as const;
  constructor(readonly url: string) {
    super('Waiting for sign-in to Hostsmith');
    this.name = 'SignInPending';
  }
}

export interface SignInOptions {
  session: Session;
  waitMs: number;
  /** Reports a step to the client; called at the start of the wait and every `progressEveryMs`. */
  progress(message: string): Promise<void>;
  progressEveryMs?: number;
  signal: AbortSignal;
  log: Logger;
}

export async function withSignIn<T>(call: () => Promise<T>, opts: SignInOptions): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SignInRequired)) throw error;
    await waitForSignIn(opts);
    // Signed in: one retry. A second SignInRequired now means the new grant is unusable too;
    // it surfaces as an error instead of a loop of sign-ins.
    return await call();
  }
}

async function waitForSignIn(opts: SignInOptions): Promise<void> {
  const signIn = await opts.session.beginSignIn();
  const step = signIn.joined
    ? 'waiting for the sign-in already open in your browser'
    : 'waiting for you to approve in the browser';
  let settled = false;
  const done = signIn.done.finally(() => {
    settled = true;
  });
  // Keep an unobserved rejection from crashing the process when we stop waiting before it settles.
  done.catch(() => {});

  await opts.progress(`Sign in to Hostsmith: ${step}`);
  const every = opts.progressEveryMs ?? 5000;
  const ticker = setInterval(() => {
    if (!settled) void opts.progress(`Sign in to Hostsmith: still ${step}`).catch(() => {});
  }, every);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.waitMs);
  });
  const aborted = new Promise<'aborted'>((resolve) => {
    if (opts.signal.aborted) resolve('aborted');
    opts.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  try {
    const outcome = await Promise.race([done.then(() => 'done' as const), timeout, aborted]);
    if (outcome === 'done') return;
    // The sign-in keeps running in the background: the next tool call joins it.
    if (outcome === 'timeout')
      opts.log.info(`Still waiting for sign-in; the link stays valid: ${signIn.url}`);
    throw new SignInPending(signIn.url);
  } catch (error) {
    if (error instanceof SignInPending || error instanceof AuthError) throw error;
    throw new AuthError('SIGN_IN_FAILED', `Sign-in failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
  }
}
