// A failed tool call's text: a sign-in still waiting, declined or failed, in words a model can
// pass on (with the terminal login command where there is one); anything else via errors.ts.
import { AuthError } from '../auth/types.js';
import type { Logger } from '../log.js';
import { toToolErrorText } from './errors.js';
import { SignInDeclined, SignInPending } from './sign-in.js';

export function toolErrorText(
  error: unknown,
  log: Logger,
  login: { command: string; shell: string } | undefined,
): string {
  if (error instanceof SignInPending) {
    return `Sign-in to Hostsmith is waiting for the user. Ask them to finish in the browser tab that opened (or, if none did, to open this link) and approve access, then call this tool again: ${error.url}`;
  }
  if (error instanceof SignInDeclined) {
    const said = error.action === 'decline' ? 'declined' : 'cancelled';
    const terminal = login ? ` Or they can sign in by running this in ${login.shell}: ${login.command}` : '';
    return `The user ${said} signing in to Hostsmith, so nothing was done. If they change their mind, they can open this link within 10 minutes of when it was first shown and approve access, then call this tool again: ${error.url}${terminal}`;
  }
  if (error instanceof AuthError) {
    switch (error.code) {
      case 'ACCESS_DENIED':
        return 'The user denied access to their Hostsmith account, so nothing was done. If they change their mind, call the tool again to start a new sign-in.';
      case 'SIGN_IN_TIMEOUT':
      case 'SIGN_IN_CANCELLED':
        return `Sign-in to Hostsmith did not complete (${error.message}). Call the tool again to start a new sign-in.`;
      case 'SIGN_IN_FAILED':
        return error.message; // already a whole sentence: what failed and what to do
      default:
        return `Sign-in to Hostsmith failed: ${error.message}`;
    }
  }
  const text = toToolErrorText(error);
  if (!(error instanceof Error) || error.name === 'Error') log.debug(`tool error: ${text}`);
  return text;
}
