// Opening the sign-in link in a browser: the BROWSER command line when set (split as a shell
// would, but never run through one), else the `open` package. A failure to launch is reported,
// never thrown: the link is always printed on stderr as well.
import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAllowedUrl } from './urls.js';

export interface BrowserResult {
  launched: boolean;
  /** Why nothing was launched (or what failed), in words for stderr. */
  reason?: string;
}

/**
 * Split a command line the way a POSIX shell splits words: blanks separate, '…' is literal,
 * "…" is literal except for \" \\ \$ \`, and a backslash outside quotes escapes one character.
 * Nothing is expanded ($VAR, $(…), globs, ;) — those characters stay in the word they are in.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new Error('unterminated single quote');
      word += line.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated double quote');
        const d = line[i] as string;
        if (d === '"') {
          i++;
          break;
        }
        const next = line[i + 1];
        if (d === '\\' && next !== undefined && '"\\$`\n'.includes(next)) {
          if (next !== '\n') word += next;
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      const next = line[i + 1];
      if (next === undefined) throw new Error('trailing backslash');
      // backslash-newline is a line continuation
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** argv for BROWSER: the URL replaces every %s, or else is appended as the last argument. */
export function browserArgv(commandLine: string, url: string): string[] {
  const words = splitCommandLine(commandLine);
  if (!words.some((w) => w.includes('%s'))) return [...words, url];
  return words.map((w) => w.split('%s').join(url));
}

/** Why there is probably no browser to open here; undefined when there may be one. */
export function headlessReason(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  fileExists: (path: string) => boolean = existsSync,
): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_TTY)
    return 'this is an SSH session, so a browser here would not be yours';
  if (fileExists('/.dockerenv') || fileExists('/run/.containerenv')) return 'this runs inside a container';
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  }
  return undefined;
}

export interface OpenUrlOptions {
  /** Where BROWSER and the display variables are read (process.env). */
  env?: NodeJS.ProcessEnv;
  /** --no-browser: never launch. */
  noBrowser?: boolean;
  platform?: NodeJS.Platform;
  /** For tests. */
  spawn?: typeof nodeSpawn;
  fileExists?: (path: string) => boolean;
  /** For tests: stands in for the `open` package. */
  openDefault?: (url: string) => Promise<ChildProcess>;
}

/** Resolve once the child has started or failed to; never wait for the browser itself. */
async function started(child: ChildProcess, what: string): Promise<BrowserResult> {
  const failed = new Promise<BrowserResult>((resolve) => {
    // Keep listening: an 'error' with no listener would crash the process.
    child.on('error', (error) =>
      resolve({ launched: false, reason: `${what} failed to start: ${error.message}` }),
    );
  });
  child.unref();
  if (typeof child.pid === 'number') return { launched: true };
  return failed;
}

export async function openUrl(url: string, opts: OpenUrlOptions = {}): Promise<BrowserResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { launched: false, reason: 'the link is not a valid URL' };
  }
  if (!isAllowedUrl(parsed)) {
    return { launched: false, reason: 'only https:// links (or http:// on this machine) are opened' };
  }
  if (opts.noBrowser) return { launched: false, reason: '--no-browser is set' };

  const env = opts.env ?? process.env;
  const command = env.BROWSER?.trim();
  // An explicit BROWSER wins over any guess that there is no display: someone chose it.
  if (command) {
    let argv: string[];
    try {
      argv = browserArgv(command, parsed.href);
    } catch (error) {
      return { launched: false, reason: `BROWSER could not be read (${(error as Error).message})` };
    }
    const [file, ...args] = argv;
    if (!file) return { launched: false, reason: 'BROWSER is empty' };
    try {
      const child = (opts.spawn ?? nodeSpawn)(file, args, {
        detached: true,
        stdio: 'ignore',
        shell: false,
        windowsHide: true,
      });
      return await started(child, `BROWSER (${file})`);
    } catch (error) {
      return { launched: false, reason: `BROWSER (${file}) failed to start: ${(error as Error).message}` };
    }
  }

  const headless = headlessReason(env, opts.platform ?? process.platform, opts.fileExists);
  if (headless) return { launched: false, reason: headless };
  try {
    const openDefault =
      opts.openDefault ?? (async (target: string) => (await import('open')).default(target, { wait: false }));
    return await started(await openDefault(parsed.href), 'the system browser');
  } catch (error) {
    return { launched: false, reason: `the system browser failed to start: ${(error as Error).message}` };
  }
}

/** The `openBrowser` a Session wants, from settings: `createBrowserOpener({ noBrowser })`. */
export function createBrowserOpener(opts: OpenUrlOptions = {}): (url: string) => Promise<BrowserResult> {
  return (url) => openUrl(url, opts);
}
