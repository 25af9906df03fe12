// Everything a test file captured from the processes it ran (protocol messages, stderr, stdout of
// commands), so that afterAll can scan it for every secret the sandbox issued or received.
import { expect } from 'vitest';
import type { IssuedSecrets } from '../../sandbox/types.js';

export const captured: string[] = [];

const messagesSeen = new Set<string>();

/**
 * Captures one protocol message, once: a load test repeats the same few answers thousands of
 * times, and scanning every copy would cost minutes. The JSON-RPC id is left out of the
 * comparison (it is the client's own counter, never a secret).
 */
export function captureMessage(message: object): void {
  const { id: _id, ...rest } = message as { id?: unknown };
  const text = JSON.stringify(rest);
  if (messagesSeen.has(text)) return;
  messagesSeen.add(text);
  captured.push(text);
}

/** Asserts the sandbox issued secrets at all, and that none of them shows up in `texts`. */
export function expectNoSecretsIn(secrets: IssuedSecrets, texts: readonly string[] = captured): void {
  const all = [
    ...secrets.accessTokens,
    ...secrets.refreshTokens,
    ...secrets.authorizationCodes,
    ...secrets.codeVerifiers,
  ];
  expect(
    secrets.accessTokens.length,
    'the sandbox issued no access token: the scan would prove nothing',
  ).toBeGreaterThan(0);
  expect(secrets.refreshTokens.length).toBeGreaterThan(0);
  expect(secrets.authorizationCodes.length).toBeGreaterThan(0);
  expect(secrets.codeVerifiers.length).toBeGreaterThan(0);
  expect(texts.length, 'nothing was captured').toBeGreaterThan(0);
  const haystack = texts.join('\n');
  const leaked = all.filter((secret) => haystack.includes(secret));
  expect(leaked.map((s) => `${s.slice(0, 4)}…(${s.length} chars)`)).toEqual([]);
}
