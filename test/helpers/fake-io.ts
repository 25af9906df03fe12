// A command's terminal for tests that call run()/main() directly: no TTY, empty stdin, and what
// the command wrote to stdout and stderr, read back.
import { Readable } from 'node:stream';
import type { IO } from '../../src/io.js';

export function fakeIO(): IO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env: {},
    stdin: Readable.from([]),
    isTTY: false,
    stdout: () => out,
    stderr: () => err,
  };
}
