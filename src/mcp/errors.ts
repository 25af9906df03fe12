// Failures in words a model can act on: what failed, and what to do about it. Never a token.
import { HostsmithError } from '../hostsmith/errors.js';
import { methodOf, outcomeOf, REPEATABLE } from '../hostsmith/retry-policy.js';
import { redact } from '../log.js';

const SCOPE_WORDS: Record<string, string> = {
  'sites:read': 'read sites',
  'sites:write': 'change sites',
  'domains:read': 'read domains',
  'files:write': 'upload files',
};

export function toToolErrorText(error: unknown): string {
  return redact(describe(error));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return `Unexpected failure: ${String(error)}`;
  if (!(error instanceof HostsmithError)) return error.message;
  const what = `Hostsmith (${error.operation})`;
  switch (error.code) {
    case 'invalid_argument':
      return error.message; // ours: refused before anything was sent, and it says so
    case 'redirect':
      return error.message; // ours: names the status, where it pointed, and the setting to check
    case 'not_found':
      return `Not found: ${error.message} Check the site_id and its partition with list_sites (a site lives in one partition).`;
    case 'conflict':
      return `Name taken: ${error.message} Choose another name.`;
    case 'insufficient_scope': {
      const scope = (error.details as { scope?: string } | undefined)?.scope;
      const words = scope ? ` "${scope}" (${SCOPE_WORDS[scope] ?? scope})` : '';
      return `This sign-in lacks the permission${words}. Ask the user to run "npx hostsmith-mcp logout" and sign in again, granting it.`;
    }
    case 'rate_limited':
      return `Hostsmith is rate limiting these requests. Try again in ${error.retryAfter ?? 60} seconds.`;
    case 'invalid_partition':
    case 'invalid_path':
    case 'invalid_request':
      return `Hostsmith refused the request: ${error.message}`;
    case 'payload_too_large':
      return `A file is over Hostsmith's 25 MiB limit for one file: ${error.message}`;
    case 'network':
      return `${error.message}${mayHaveHappened(error)} Check the network, then try again.`;
    case 'timeout':
      return `${error.message}${mayHaveHappened(error)} Try again; if it keeps happening, Hostsmith may be slow or down.`;
    case 'malformed_response':
      return `${error.message} Hostsmith may be having trouble; try again later.`;
    case 'unavailable':
    case 'internal':
      return `${what} is unavailable right now (${error.status ?? 'no answer'}${error.retryAfter ? `, retry after ${error.retryAfter} s` : ''}): ${error.message}${mayHaveHappened(error)} Try again later.`;
    default:
      return `${what} failed (${error.status ?? ''} ${error.code}): ${error.message}`;
  }
}

/**
 * A change that got no clear answer was not sent again (retry-policy.ts), and it may still have
 * been carried out: say so, so that nobody creates a second site by trying again blindly.
 */
function mayHaveHappened(error: HostsmithError): string {
  const method = methodOf(error.operation);
  if (!method || REPEATABLE[method] || outcomeOf(error)?.kind === 'not_sent') return '';
  return ' The change may or may not have been made: check (list_sites, get_site, list_files) before trying again.';
}
