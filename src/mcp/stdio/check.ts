// Looks at each stdin line before the SDK's transport does. The transport drops a line that is
// not JSON without a word, and reports one that is no JSON-RPC message only to its onerror
// hook, without its id; either way a client that sent a request waits forever. Here such a line
// is answered as JSON-RPC says: -32700 (not JSON, id null), -32600 (not a request or
// notification), -32602 (a request whose params are malformed, naming the field).
// A line that is a message is read here once, exactly as the SDK's transport would read it
// (JSON.parse, then its JSON-RPC message schema), and handed over read: the transport delivers it
// without parsing and checking it a second time.
import { ProtocolErrorCode, parseJSONRPCMessage, specTypeSchemas } from '@modelcontextprotocol/server';
import type { Refusal, Verdict } from './frame.js';

export function checkLine(line: Buffer): Verdict {
  const text = line.toString('utf8');
  // Blank lines carry nothing to answer (some clients write one between messages).
  if (text.trim() === '') return 'drop';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not the parser's words: they quote the line back.
    return {
      id: null,
      code: ProtocolErrorCode.ParseError,
      message: 'Parse error: the line is not valid JSON',
    };
  }
  let message: unknown;
  try {
    message = parseJSONRPCMessage(value);
  } catch {
    return diagnose(value);
  }
  return { read: message };
}

function diagnose(value: unknown): Refusal {
  if (!isPlainObject(value)) {
    return invalidRequest(null, 'a message is one JSON object (batches are not part of MCP)');
  }
  if (typeof value.method !== 'string') {
    return invalidRequest(null, 'not a JSON-RPC 2.0 request, notification or response');
  }
  // Only a request that names a usable id gets it back; anything else is answered with null.
  const id =
    typeof value.id === 'string' || Number.isSafeInteger(value.id) ? (value.id as string | number) : null;
  if ('params' in value && !isPlainObject(value.params)) {
    return invalidParams(id, `params must be an object, not ${kindOf(value.params)}`);
  }
  const schema = 'id' in value ? specTypeSchemas.JSONRPCRequest : specTypeSchemas.JSONRPCNotification;
  const outcome = schema['~standard'].validate(value);
  const issue = outcome instanceof Promise ? undefined : outcome.issues?.[0];
  if (!issue) return invalidRequest(id, 'not a valid JSON-RPC 2.0 request or notification');
  const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
  if (path === 'params' || path.startsWith('params.')) return invalidParams(id, `${path}: ${issue.message}`);
  return invalidRequest(id, path ? `${path}: ${issue.message}` : issue.message);
}

const invalidRequest = (id: Refusal['id'], detail: string): Refusal => ({
  id,
  code: ProtocolErrorCode.InvalidRequest,
  message: `Invalid Request: ${detail}`,
});

const invalidParams = (id: Refusal['id'], detail: string): Refusal => ({
  id,
  code: ProtocolErrorCode.InvalidParams,
  message: `Invalid params: ${detail}`,
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
