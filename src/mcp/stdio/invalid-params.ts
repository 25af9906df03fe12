// The SDK checks a spec request (say tools/list) against its schema inside the handler, and a
// failure leaves as -32603 Internal error whose message is the zod issue list as JSON. That is
// the client's mistake, not ours: this turns such an answer into -32602 naming the field, e.g.
// `tools/list {"cursor": 12}` → "Invalid params: params.cursor: Invalid input: expected string…".
// Some checks already answer -32602, but with the same dump behind a prefix ("Invalid tools/call
// request: [ … ]" for `arguments: null`): those get the same words.
import { type JSONRPCMessage, ProtocolErrorCode } from '@modelcontextprotocol/server';

interface Issue {
  path: (string | number)[];
  message: string;
}

/** The message to send instead, or the message itself when it is no such answer. */
export function asInvalidParams(message: JSONRPCMessage): JSONRPCMessage {
  if (!('error' in message)) return message;
  const { code } = message.error;
  if (code !== ProtocolErrorCode.InternalError && code !== ProtocolErrorCode.InvalidParams) return message;
  const issues = issuesIn(message.error.message);
  if (!issues) return message;
  const detail = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return {
    ...message,
    error: { code: ProtocolErrorCode.InvalidParams, message: `Invalid params: ${detail}` },
  };
}

/** The zod issues a message holds, when every one of them is about the request's params. */
function issuesIn(text: string): Issue[] | undefined {
  // The dump alone, or behind one "…: " prefix.
  const prefixEnd = text.indexOf(': [');
  const start = text.startsWith('[') ? 0 : prefixEnd === -1 ? -1 : prefixEnd + 2;
  if (start === -1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(isParamsIssue)) return undefined;
  return parsed;
}

function isParamsIssue(value: unknown): value is Issue {
  if (typeof value !== 'object' || value === null) return false;
  const { path, message, code } = value as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    typeof message === 'string' &&
    Array.isArray(path) &&
    path[0] === 'params' &&
    path.every((p) => typeof p === 'string' || typeof p === 'number')
  );
}
