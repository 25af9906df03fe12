import { describe, expect, it } from 'vitest';
import { addSecret, createLogger, redact } from '../../src/log.js';

describe('redact', () => {
  it('removes registered secrets wherever they appear', () => {
    addSecret('s3cr3t-token-value');
    expect(redact('token s3cr3t-token-value in text')).toBe('token [redacted] in text');
  });

  it.each([
    ['http://127.0.0.1:1/callback?code=abc123&state=xyz789&iss=x', 'code=[redacted]&state=[redacted]&iss=x'],
    ['{"access_token":"eyJ.abc","token_type":"Bearer"}', '"access_token":"[redacted]"'],
    ['Authorization: Bearer abc.def-ghi', 'Bearer [redacted]'],
    ['code_verifier=0123456789abcdef', 'code_verifier=[redacted]'],
  ])('redacts the shape of %s', (input, expected) => {
    expect(redact(input)).toContain(expected);
  });

  it('writes every line, redacted, to its sink and never to stdout', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line), level: 'debug' });
    log.info('refresh_token=zzzzzzzzzz');
    log.debug('debug line');
    expect(lines).toEqual([
      'hostsmith-mcp: refresh_token=[redacted]\n',
      'hostsmith-mcp: debug: debug line\n',
    ]);
  });
});
