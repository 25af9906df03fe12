// Whose answer to the sign-in dialog was it: a quick no is the host's, a later one the person's.
import { describe, expect, it } from 'vitest';
import { HOST_ANSWER_MS, meaningOf } from '../../src/mcp/host-answer.js';

describe('meaningOf', () => {
  it('accept is the person opening the link, however quick', () => {
    expect(meaningOf('accept', 5)).toBe('accept');
    expect(meaningOf('accept', 60_000)).toBe('accept');
  });

  it.each([
    'decline',
    'cancel',
  ] as const)('%s within HOST_ANSWER_MS was the host: the link was not shown', (action) => {
    expect(HOST_ANSWER_MS).toBe(1000);
    expect(meaningOf(action, 0)).toBe('not-shown');
    expect(meaningOf(action, HOST_ANSWER_MS - 1)).toBe('not-shown');
  });

  it.each(['decline', 'cancel'] as const)('%s after that is the person saying no', (action) => {
    expect(meaningOf(action, HOST_ANSWER_MS)).toBe('refused');
    expect(meaningOf(action, 90_000)).toBe('refused');
  });

  it('an answer of unknown timing is taken as the person’s no', () => {
    expect(meaningOf('decline', undefined)).toBe('refused');
  });
});
