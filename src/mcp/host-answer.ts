// Whose answer was it? Real hosts answer the URL-elicitation dialog on the person's behalf
// without showing it (headless Claude Code answers `cancel`, Codex `decline`, both at once).
// Nobody reads a dialog, decides and clicks within a second, so a quick no says the link was
// never shown; a later one is the person's own.

/** A decline or cancel sooner than this after asking was the host's, not a person's. */
export const HOST_ANSWER_MS = 1000;

export type AnswerMeaning =
  /** The person opened the link. */
  | 'accept'
  /** The host answered for the person: treat the link as never shown. */
  | 'not-shown'
  /** The person said no. */
  | 'refused';

/** `afterMs`: from asking to the answer; unknown counts as the person's (their no is honoured). */
export function meaningOf(
  action: 'accept' | 'decline' | 'cancel',
  afterMs: number | undefined,
): AnswerMeaning {
  if (action === 'accept') return 'accept';
  return afterMs !== undefined && afterMs < HOST_ANSWER_MS ? 'not-shown' : 'refused';
}
