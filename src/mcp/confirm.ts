// Confirm before destroying: delete_site, delete_file and a deploy that removes files ask the
// person first, through form elicitation, when the client declares it. Only an accept with the
// box ticked proceeds; a decline, a cancel, a timeout or an error refuses. (Unlike the sign-in
// link, a quick no is never read as "not shown": here a no must always stop the deletion.)
// 2025-11-25: the question is a server→client request in the middle of the call.
// 2026-07-28: the call returns inputRequired; the client calls again with the answer and the
// requestState we sealed, which must name the same tool, arguments and plan.
import type { ElicitRequestFormParams, ElicitResult, RequestOptions } from '@modelcontextprotocol/server';
import type { ConfirmMode } from '../config.js';
import { ELICITATION_TIMEOUT_MS } from './elicitation.js';
import { nodeCrypto } from './lazy-crypto.js';
import { withProgress } from './sign-in.js';

/** The key of the confirmation in an inputRequired round's inputRequests. */
export const CONFIRM_INPUT = 'hostsmith_confirm';

/** What a tool asks: the question, a few words for a refusal, and the plan it is about. */
export interface Question {
  /** Shown to the person, e.g. "Delete site blog (12 files, https://…)?". */
  message: string;
  /** What would be done, for the refusal text: "delete site blog". */
  action: string;
  /** What the answer is about; a changed plan needs a new answer (2026-07-28). */
  plan: unknown;
}

/** Asks the person; resolves to go ahead, throws ConfirmationRefused or ConfirmationNeeded. */
export type Confirm = (question: Question) => Promise<void>;

/** The person (or the client for them) did not confirm: nothing was done. */
export class ConfirmationRefused extends Error {
  readonly code = 'CONFIRMATION_REFUSED' as const;
  constructor(
    readonly action: string,
    readonly why: 'decline' | 'cancel' | 'unconfirmed' | 'error',
  ) {
    super(refusalText(action, why));
    this.name = 'ConfirmationRefused';
  }
}

/** 2026-07-28: the question goes back to the client, which calls again with the answer. */
export class ConfirmationNeeded extends Error {
  readonly code = 'CONFIRMATION_NEEDED' as const;
  constructor(
    readonly question: string,
    readonly requestState: string,
  ) {
    super('A confirmation to ask through the client');
    this.name = 'ConfirmationNeeded';
  }
}

export function refusalText(action: string, why: ConfirmationRefused['why']): string {
  const said = {
    decline: 'The user declined',
    cancel: 'The user cancelled',
    unconfirmed: 'The user did not tick the confirmation',
    error: 'The client could not ask the user (or they did not answer in time)',
  }[why];
  return `${said}, so nothing was done: did not ${action}. Do not retry unless the user asks for it again. If the host answers every question itself without showing it (Codex does), the person can start this server with --confirm never (or HOSTSMITH_MCP_CONFIRM=never) and rely on the host's own approval of destructive tools.`;
}

/** Form elicitation: `elicitation.form`, or an empty `elicitation: {}` (the 2025-06-18 spelling). */
export function hasFormElicitation(capabilities: { elicitation?: object } | undefined): boolean {
  const elicitation = capabilities?.elicitation as Record<string, unknown> | undefined;
  if (elicitation === undefined || elicitation === null) return false;
  return elicitation.form !== undefined || Object.keys(elicitation).length === 0;
}

/** A stable digest of a JSON value: keys sorted at every depth. */
export function digestOf(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return nodeCrypto()
    .createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('base64url');
}

/** What a 2026-07-28 round seals into requestState: whose answer it will be. */
export interface ConfirmState {
  confirm: { tool: string; args: string; plan: string };
}

/** The form: one box to tick. */
export function confirmForm(message: string): ElicitRequestFormParams {
  return {
    mode: 'form',
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        confirm: {
          type: 'boolean',
          title: 'Yes, go ahead',
          description: 'Tick to confirm. This cannot be undone.',
          default: false,
        },
      },
      required: ['confirm'],
    },
  };
}

/** An answer counts only as an accept whose content ticks the box. */
function ticked(action: string, content: unknown): boolean {
  return (
    action === 'accept' &&
    content !== null &&
    typeof content === 'object' &&
    (content as { confirm?: unknown }).confirm === true
  );
}

export interface ConfirmerOptions {
  mode: ConfirmMode;
  /** The client declared form elicitation (on this request's envelope, or at initialize). */
  form: boolean;
  tool: string;
  args: unknown;
  /** 2026-07-28: the answer rides on a new call. */
  modern?: {
    answer: { kind: string; action?: string; content?: unknown };
    /** The verified requestState of this call, if any (of any round of ours). */
    state: Partial<ConfirmState> | undefined;
    seal(state: ConfirmState): Promise<string>;
  };
  /** 2025: asks in the middle of the call (ctx.mcpReq.elicitInput). */
  elicit(params: ElicitRequestFormParams, options: RequestOptions): Promise<ElicitResult>;
  progress(message: string): Promise<void>;
  signal: AbortSignal;
  timeoutMs?: number;
}

/**
 * The confirm step a tool's handler gets, or undefined where there is nobody to ask from here:
 * `--confirm never`, or a client without form elicitation (the host's own approval of a
 * destructiveHint tool is the confirmation then).
 */
export function createConfirmer(opts: ConfirmerOptions): Confirm | undefined {
  if (opts.mode === 'never' || !opts.form) return undefined;
  const args = digestOf(opts.args);
  return async (question) => {
    const sealed: ConfirmState = { confirm: { tool: opts.tool, args, plan: digestOf(question.plan) } };
    if (opts.modern) {
      const { answer, state } = opts.modern;
      // Only an answer to this very question counts: same tool, same arguments, same plan.
      const ours =
        state?.confirm !== undefined &&
        state.confirm.tool === sealed.confirm.tool &&
        state.confirm.args === sealed.confirm.args &&
        state.confirm.plan === sealed.confirm.plan;
      if (ours && answer.kind === 'elicit') {
        if (ticked(answer.action ?? '', answer.content)) return;
        throw new ConfirmationRefused(question.action, refusedWhy(answer.action));
      }
      throw new ConfirmationNeeded(question.message, await opts.modern.seal(sealed));
    }
    let reply: ElicitResult;
    try {
      reply = await withProgress(
        opts.elicit(confirmForm(question.message), {
          timeout: opts.timeoutMs ?? ELICITATION_TIMEOUT_MS,
          signal: opts.signal,
        }),
        opts.progress,
        'Waiting for you to confirm in the client',
      );
    } catch (error) {
      if (opts.signal.aborted) throw error;
      throw new ConfirmationRefused(question.action, 'error');
    }
    if (ticked(reply.action, reply.content)) return;
    throw new ConfirmationRefused(question.action, refusedWhy(reply.action));
  };
}

function refusedWhy(action: string | undefined): ConfirmationRefused['why'] {
  return action === 'decline' ? 'decline' : action === 'cancel' ? 'cancel' : 'unconfirmed';
}
