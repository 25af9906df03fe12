// URL-mode elicitation of the sign-in link on a 2025-11-25 connection: the server asks in the
// middle of the tool call, with an elicitationId of its own so that the completion notice
// (notifications/elicitation/complete) can name it once the callback arrives. (2026-07-28 has
// no server→client request: there the tool call returns inputRequired and the client calls again.)
import type { ElicitRequestURLParams, ElicitResult, RequestOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { nodeCrypto } from './lazy-crypto.js';
import { PROGRESS_EVERY_MS, withProgress } from './sign-in.js';

export const SIGN_IN_MESSAGE = 'Sign in to Hostsmith to let this agent manage your sites';

const WAITING_FOR_DIALOG = 'Sign in to Hostsmith: waiting for you to open the sign-in link';

/** A person reads the dialog: far longer than a request's default 60 s. */
export const ELICITATION_TIMEOUT_MS = 10 * 60_000;

export interface ElicitSignInOptions {
  /** The one-time start link: the same link stderr and the tool error show. */
  url: string;
  /** Sends elicitation/create (ctx.mcpReq.elicitInput). */
  elicit(params: ElicitRequestURLParams, options: RequestOptions): Promise<ElicitResult>;
  /** A sender of the completion notice for this id (server.createElicitationCompletionNotifier). */
  completionNotifier(elicitationId: string): () => Promise<void>;
  progress(message: string): Promise<void>;
  signal: AbortSignal;
  log: Logger;
  timeoutMs?: number;
  progressEveryMs?: number;
}

export interface ElicitedSignIn {
  /** What the person answered; undefined when the client could not show the link (error, timeout). */
  answer: ElicitResult['action'] | undefined;
  /** From asking to the answer, in ms (a quick no was the host's: see host-answer.ts). */
  afterMs?: number;
  /** Tells the client the sign-in it showed is complete. */
  complete(): Promise<void>;
}

/**
 * One dialog per link on a connection: calls that need the same sign-in while its dialog is open
 * share its answer, so two tool calls at once ask the person once.
 */
export function createSignInDialogs(): (opts: ElicitSignInOptions) => Promise<ElicitedSignIn> {
  const open = new Map<string, Promise<ElicitedSignIn>>();
  return async (opts) => {
    const shown = open.get(opts.url);
    if (shown) {
      const dialog = await withProgress(
        shown.catch(() => undefined),
        opts.progress,
        WAITING_FOR_DIALOG,
        opts.progressEveryMs ?? PROGRESS_EVERY_MS,
      );
      // The completion notice names the dialog's own request: the call that showed it sends it.
      // The answer's timing is the dialog's, so that every call sharing it reads it the same way.
      return { answer: dialog?.answer, afterMs: dialog?.afterMs, complete: async () => {} };
    }
    const mine = elicitSignIn(opts);
    open.set(opts.url, mine);
    try {
      return await mine;
    } finally {
      open.delete(opts.url);
    }
  };
}

export async function elicitSignIn(opts: ElicitSignInOptions): Promise<ElicitedSignIn> {
  const elicitationId = nodeCrypto().randomUUID();
  const complete = opts.completionNotifier(elicitationId);
  const asked = performance.now();
  try {
    const reply = await withProgress(
      opts.elicit(
        { mode: 'url', message: SIGN_IN_MESSAGE, url: opts.url, elicitationId },
        { timeout: opts.timeoutMs ?? ELICITATION_TIMEOUT_MS, signal: opts.signal },
      ),
      opts.progress,
      WAITING_FOR_DIALOG,
      opts.progressEveryMs ?? PROGRESS_EVERY_MS,
    );
    return { answer: reply.action, afterMs: performance.now() - asked, complete };
  } catch (error) {
    if (opts.signal.aborted) throw error;
    // The client declared the capability but could not show the link: the sign-in goes on the
    // way it does for any client (the link on stderr and in the tool result).
    opts.log.info(
      `The client could not show the sign-in link (${(error as Error).message}); open it yourself: ${opts.url}`,
    );
    return { answer: undefined, complete };
  }
}
