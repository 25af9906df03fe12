// The sign-in experience inside a tool call: when the Session says only a person can help,
// start (or join) a sign-in, show the link, wait a bounded time with progress, then retry once.
import { AuthError, type Session, type SignIn, SignInRequired } from '../auth/types.js';
import type { Logger } from '../log.js';
import { meaningOf } from './host-answer.js';

/** Clients that reset their timeout on progress must hear from us well inside 60 s. */
export const PROGRESS_EVERY_MS = 5000;

/** Report `message` at once, then every `everyMs` until `work` settles; a failed report is dropped. */
export async function withProgress<T>(
  work: Promise<T>,
  progress: (message: string) => Promise<void>,
  message: string,
  everyMs = PROGRESS_EVERY_MS,
): Promise<T> {
  const report = () => void progress(message).catch(() => {});
  report();
  const ticker = setInterval(report, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(ticker);
  }
}

/** The person has not finished in time; the sign-in keeps waiting for the next call. */
export class SignInPending extends Error {
  readonly code = 'SIGN_IN_PENDING' as const;
  constructor(readonly url: string) {
    super('Waiting for sign-in to Hostsmith');
    this.name = 'SignInPending';
  }
}

/** The client shows URLs itself (URL-mode elicitation): hand it the link instead of a browser. */
export class SignInNeedsElicitation extends Error {
  readonly code = 'SIGN_IN_NEEDS_ELICITATION' as const;
  constructor(readonly url: string) {
    super('Sign-in link to show through the client');
    this.name = 'SignInNeedsElicitation';
  }
}

/**
 * The person declined (or cancelled) the sign-in the client showed them. The sign-in stays open
 * for its 10 minutes at `url`: a person who changes their mind can still finish it.
 */
export class SignInDeclined extends Error {
  readonly code = 'SIGN_IN_DECLINED' as const;
  constructor(
    readonly action: 'decline' | 'cancel',
    readonly url: string,
  ) {
    super(`The user chose to ${action} signing in to Hostsmith`);
    this.name = 'SignInDeclined';
  }
}

/**
 * How this call can show the sign-in. `elicitation` is set when the client declared URL-mode
 * elicitation; `answer` is what it answered on this round ('missing' on the first one).
 */
export interface SignInUi {
  elicitation: boolean;
  answer: 'missing' | 'accept' | 'decline' | 'cancel';
  /**
   * Links the person already accepted on this connection (their tab is open and the link is
   * spent): a later call waits for that sign-in instead of showing the dead link again. Added to
   * on accept.
   */
  accepted?: Set<string>;
  /**
   * The link `answer` is about (2026-07-28: from the verified requestState). An answer about
   * another link is stale — that sign-in ended and a new one began — and counts as no answer.
   */
  answeredLink?: string;
  /** How long after asking `answer` came: a quick no was the host's, not the person's. */
  answeredAfterMs?: number;
  /**
   * Links the client answered for the person without showing them (see host-answer.ts): those
   * go the way of a client without elicitation, and are not asked about again. Added to here.
   */
  notShown?: Set<string>;
}

export interface SignInOptions {
  session: Session;
  ui?: SignInUi;
  waitMs: number;
  /** Reports a step to the client; called at the start of the wait and every `progressEveryMs`. */
  progress(message: string): Promise<void>;
  progressEveryMs?: number;
  signal: AbortSignal;
  log: Logger;
  /** Called once the person has signed in (e.g. to send URL elicitation's completion notice). */
  onSignedIn?: () => Promise<void>;
  /** Launch a browser on a sign-in that was started without one (the host did not show it). */
  openBrowser?(url: string): Promise<void>;
}

export async function withSignIn<T>(call: () => Promise<T>, opts: SignInOptions): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SignInRequired)) throw error;
    const ui = opts.ui ?? { elicitation: false, answer: 'missing' };
    if (ui.elicitation) {
      // The client opens the link: no browser of ours, so one sign-in is one tab.
      const signIn = await opts.session.beginSignIn({ openBrowser: false });
      const given = ui.answeredLink === undefined || ui.answeredLink === signIn.url ? ui.answer : 'missing';
      const answer = given === 'missing' && ui.accepted?.has(signIn.url) ? 'accept' : given;
      if (answer === 'missing') {
        if (!ui.notShown?.has(signIn.url)) throw new SignInNeedsElicitation(signIn.url);
      } else {
        const meaning = meaningOf(answer, ui.answeredAfterMs);
        // The person's own no: end the call, but leave the sign-in open for a change of mind.
        if (meaning === 'refused') throw new SignInDeclined(answer as 'decline' | 'cancel', signIn.url);
        if (meaning === 'accept') ui.accepted?.add(signIn.url);
        else await showWithoutTheClient(signIn, answer, ui, opts);
      }
    }
    await waitForSignIn(opts);
    // Signed in: one retry. A second SignInRequired now means the new grant is unusable too;
    // it surfaces as an error instead of a loop of sign-ins.
    return await call();
  }
}

/**
 * The host answered for the person: do what a client without elicitation gets — a browser
 * (unless headless), the wait, then the link in the tool error. Once per link and connection.
 */
async function showWithoutTheClient(
  signIn: SignIn,
  answer: string,
  ui: SignInUi,
  opts: SignInOptions,
): Promise<void> {
  if (ui.notShown?.has(signIn.url)) return;
  ui.notShown?.add(signIn.url);
  // A sign-in another process owns was shown by that process.
  if (signIn.joined || !opts.openBrowser) return;
  opts.log.info(
    `The MCP client answered the sign-in dialog (${answer}) at once, without showing it: opening the link in a browser instead.`,
  );
  await opts.openBrowser(signIn.url);
}

async function waitForSignIn(opts: SignInOptions): Promise<void> {
  const signIn = await opts.session.beginSignIn(opts.ui?.elicitation ? { openBrowser: false } : {});
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
  const every = opts.progressEveryMs ?? PROGRESS_EVERY_MS;
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
    if (outcome === 'done') {
      await opts
        .onSignedIn?.()
        .catch((error: Error) => opts.log.debug(`completion notice: ${error.message}`));
      return;
    }
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
