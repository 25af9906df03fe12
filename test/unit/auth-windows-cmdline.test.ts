// Windows command lines: the UCRT's splitting, quoting that splits back to the same words, and the
// cmd.exe line for a batch file, checked against a model of what cmd.exe does before the batch runs.
import { describe, expect, it } from 'vitest';
import {
  cmdShellArgv,
  isBatchFile,
  quoteWindowsArg,
  splitWindowsCommandLine,
} from '../../src/auth/windows-cmdline.js';

/**
 * A model of cmd.exe /d /s /c "<line>" up to starting the program: /s strips the outer quotes; outside
 * quotes a caret escapes the next character and " starts quoting, inside quotes all is literal until
 * the next ". Returns the line the program is started with, and what cmd.exe would have acted on
 * (% is expanded in an earlier phase, under carets and in quotes alike).
 */
function cmdReads(args: string[]): { line: string; live: string[] } {
  expect(args.slice(0, 3)).toEqual(['/d', '/s', '/c']);
  const whole = args[3] ?? '';
  expect(whole).toMatch(/^".*"$/s);
  const inner = whole.slice(1, -1);
  let line = '';
  let quoted = false;
  const live: string[] = [];
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (c === '%' || c === '\n' || c === '\r') live.push(c);
    if (quoted) {
      if (c === '"') quoted = false;
      line += c;
    } else if (c === '^') {
      line += inner[++i] ?? '';
    } else {
      if (c === '"') quoted = true;
      if ('&|<>()'.includes(c)) live.push(c);
      line += c;
    }
  }
  return { line, live };
}

describe('splitWindowsCommandLine', () => {
  it('keeps a quoted program path with spaces whole, and an unquoted one with backslashes', () => {
    expect(splitWindowsCommandLine('"C:\\Program Files\\Mozilla Firefox\\firefox.exe" -new-tab %s')).toEqual([
      'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
      '-new-tab',
      '%s',
    ]);
    expect(splitWindowsCommandLine('C:\\Windows\\notepad.exe')).toEqual(['C:\\Windows\\notepad.exe']);
    expect(splitWindowsCommandLine('  \tC:\\a\\b.exe \t x  ')).toEqual(['C:\\a\\b.exe', 'x']);
    expect(splitWindowsCommandLine('')).toEqual([]);
    expect(splitWindowsCommandLine(' \t ')).toEqual([]);
  });

  it('follows the C runtime for arguments (the examples Microsoft documents)', () => {
    const args = (line: string) => splitWindowsCommandLine(`p ${line}`).slice(1);
    expect(args('"a b c" d e')).toEqual(['a b c', 'd', 'e']);
    expect(args('"ab\\"c" "\\\\" d')).toEqual(['ab"c', '\\', 'd']);
    expect(args('a\\\\\\b d"e f"g h')).toEqual(['a\\\\\\b', 'de fg', 'h']);
    expect(args('a\\\\\\"b c d')).toEqual(['a\\"b', 'c', 'd']);
    expect(args('a\\\\\\\\"b c" d e')).toEqual(['a\\\\b c', 'd', 'e']);
    expect(args('a"b"" c d')).toEqual(['ab" c d']);
    expect(args(`"" x 'y z'`)).toEqual(['', 'x', "'y", "z'"]);
    expect(args('"open to the end')).toEqual(['open to the end']);
  });

  it('takes no escapes in the program name: quotes only group', () => {
    expect(splitWindowsCommandLine('"C:\\dir\\" x')).toEqual(['C:\\dir\\', 'x']);
    expect(splitWindowsCommandLine('C:\\a" b"\\c.exe x')).toEqual(['C:\\a b\\c.exe', 'x']);
    expect(splitWindowsCommandLine('"C:\\Program Files\\x.exe')).toEqual(['C:\\Program Files\\x.exe']);
  });
});

const nasty = [
  'plain',
  '',
  'two words',
  'tab\there',
  'trailing\\',
  'trailing two\\\\',
  'in"side',
  'back\\"quote',
  'back\\\\"quote',
  '\\\\server\\share\\',
  '"',
  '""',
  'C:\\Program Files\\x',
];

describe('quoteWindowsArg', () => {
  it('quotes every argument and doubles only backslashes before a quote', () => {
    expect(quoteWindowsArg('')).toBe('""');
    expect(quoteWindowsArg('a b')).toBe('"a b"');
    expect(quoteWindowsArg('C:\\dir\\')).toBe('"C:\\dir\\\\"');
    expect(quoteWindowsArg('a\\b')).toBe('"a\\b"');
    expect(quoteWindowsArg('a"b')).toBe('"a\\"b"');
    expect(quoteWindowsArg('a\\"b')).toBe('"a\\\\\\"b"');
  });

  it('splits back to exactly the same words', () => {
    const line = ['p', ...nasty].map((word, i) => (i === 0 ? word : quoteWindowsArg(word))).join(' ');
    expect(splitWindowsCommandLine(line)).toEqual(['p', ...nasty]);
  });
});

describe('isBatchFile', () => {
  it('knows .cmd and .bat in any case, even with the trailing dots and spaces Windows ignores', () => {
    for (const yes of ['run.cmd', 'C:\\x\\RUN.CMD', 'open.Bat', 'run.cmd.', 'run.bat . '])
      expect(isBatchFile(yes), yes).toBe(true);
    for (const no of ['run.exe', 'run.cmdx', 'cmd', 'run.bat.exe', 'C:\\x.cmd\\run.exe'])
      expect(isBatchFile(no), no).toBe(false);
  });
});

describe('cmdShellArgv', () => {
  const link = 'http://127.0.0.1:5555/start/AbC_d-9xYz';

  it('runs the batch file through cmd.exe /d /s /c with every argument quoted and caret-escaped', () => {
    expect(cmdShellArgv(['C:\\Program Files\\Tools\\open.cmd', '--new-tab', link])).toEqual({
      file: 'cmd.exe',
      args: ['/d', '/s', '/c', `""C:\\Program Files\\Tools\\open.cmd" ^"--new-tab^" ^"${link}^""`],
    });
    expect(cmdShellArgv(['C:/tools/open.bat', 'a b'], 'C:\\Windows\\system32\\cmd.exe')).toEqual({
      file: 'C:\\Windows\\system32\\cmd.exe',
      args: ['/d', '/s', '/c', '""C:\\tools\\open.bat" ^"a^ b^""'],
    });
  });

  it('gives the batch file back exactly its words, with nothing left for cmd.exe to act on', () => {
    const words = [...nasty.filter((w) => !w.includes('"')), '(x)', 'a!b', 'a;b,c=d', '*?[]`', link];
    const program = 'C:\\Program Files (x86)\\My Browser\\open.cmd';
    const { args } = cmdShellArgv([program, ...words]);
    const { line, live } = cmdReads(args);
    expect(live).toEqual([]);
    expect(splitWindowsCommandLine(line)).toEqual([program, ...words]);
  });

  it('refuses, in words, any argument or program holding "%^&|<> or a line break', () => {
    for (const bad of ['"', '%', '^', '&', '|', '<', '>', '\n', '\r']) {
      const what = bad === '\n' || bad === '\r' ? 'a line break' : `"${bad}"`;
      expect(() => cmdShellArgv(['open.cmd', `${link}?x=a${bad}b`]), JSON.stringify(bad)).toThrow(
        `cmd.exe would act on ${what} in `,
      );
      expect(() => cmdShellArgv([`C:\\a${bad}b\\open.cmd`, link]), JSON.stringify(bad)).toThrow(
        `cmd.exe would act on ${what} in `,
      );
    }
    expect(() => cmdShellArgv([])).toThrow(/no program/);
  });
});
