// Windows command lines, both ways: split one the way a program's C runtime splits its own (the
// UCRT rules, which CommandLineToArgvW shares for everything after the program name), and build the
// line cmd.exe runs a batch file from. Pure: tested on every platform.
import { win32 } from 'node:path';

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * Split like the UCRT. Blanks (space, tab) separate words outside double quotes, and "…" groups.
 * Backslashes are literal except before a quote: 2n of them and " give n backslashes and toggle
 * quoting, 2n+1 give n backslashes and a literal ". Inside quotes, "" is a literal quote. The program
 * name (first word) takes no escapes at all, so `"C:\dir\"` stays a directory. An open quote runs to
 * the end of the line, as it does on Windows.
 */
export function splitWindowsCommandLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (isBlank(line[i])) i++;
  if (i >= line.length) return words;

  let name = '';
  let quoted = false;
  for (; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"') quoted = !quoted;
    else if (!quoted && isBlank(c)) break;
    else name += c;
  }
  words.push(name);

  for (;;) {
    while (isBlank(line[i])) i++;
    if (i >= line.length) return words;
    let word = '';
    quoted = false;
    while (i < line.length) {
      const c = line[i] as string;
      if (c === '\\') {
        let n = 0;
        while (line[i] === '\\') {
          n++;
          i++;
        }
        if (line[i] !== '"') {
          word += '\\'.repeat(n);
          continue;
        }
        word += '\\'.repeat(n >> 1);
        if (n % 2 === 1) {
          word += '"';
          i++;
        }
        // With an even count the quote is read next, as a quote.
      } else if (c === '"') {
        if (quoted && line[i + 1] === '"') {
          word += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else if (!quoted && isBlank(c)) {
        break;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
}

/** Quote one argument so that the UCRT reads it back as exactly this word. Always quoted. */
export function quoteWindowsArg(arg: string): string {
  // Backslashes double only where a quote follows: an escaped quote inside, or the closing one.
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** .cmd or .bat, in any case; Windows ignores trailing dots and spaces in a file name. */
export function isBatchFile(file: string): boolean {
  return /\.(?:cmd|bat)[. ]*$/i.test(file);
}

// What cmd.exe acts on even under carets in some phase, or that a batch file's %1 would re-expand.
const CMD_REFUSED = /["%^&|<>\r\n]/;
// cmd.exe's metacharacters, each escaped with a caret outside quotes (the set cross-spawn uses).
const CMD_META = /[()[\]%!^"`<>&|;, *?]/g;

/**
 * How to run a batch file, given its argv: Node refuses to spawn .cmd/.bat without a shell
 * (CVE-2024-27980), so `cmd.exe /d /s /c "<line>"`, spawned with windowsVerbatimArguments.
 * Throws, in words, when an argument holds any of "%^&|<> or a line break: no escaping is safe for
 * both cmd.exe and the batch file's own expansion of %1.
 */
export function cmdShellArgv(argv: readonly string[], comspec = 'cmd.exe'): { file: string; args: string[] } {
  const [program, ...rest] = argv;
  if (!program) throw new Error('there is no program to run');
  for (const arg of argv) {
    const bad = CMD_REFUSED.exec(arg)?.[0];
    if (bad === undefined) continue;
    const what = bad === '\n' || bad === '\r' ? 'a line break' : `"${bad}"`;
    throw new Error(`cmd.exe would act on ${what} in ${JSON.stringify(arg)}`);
  }
  // The program in plain quotes: inside them cmd.exe takes all but % and " literally (both refused
  // above) and a path with spaces stays one word; a caret there would be literal. Each argument is
  // quoted for the UCRT, then every metacharacter (the quotes too) is escaped for cmd.exe, so cmd.exe
  // never enters quoted mode and removes every caret.
  const line = [
    `"${win32.normalize(program)}"`,
    ...rest.map((arg) => quoteWindowsArg(arg).replace(CMD_META, '^$&')),
  ].join(' ');
  // /d: no AutoRun commands from the registry; /s: strip exactly the outer quotes; /c: run, then exit.
  return { file: comspec, args: ['/d', '/s', '/c', `"${line}"`] };
}
