// Opening the sign-in link in a browser: the BROWSER command line when set (split as the platform
// splits command lines, and never run through a shell but for a Windows batch file, which only
// cmd.exe runs), else the `open` package. A failure to launch is reported, never thrown: the link is
// always printed on stderr as well.
import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAllowedUrl } from './urls.js';
import { cmdShellArgv, isBatchFile, splitWindowsCommandLine } from './windows-cmdline.js';

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

/**
 * argv for BROWSER, split by the platform's rules (Windows: the C runtime's, so that
 * `"C:\Program Files\…\firefox.exe"` and `C:\Windows\notepad.exe` stay whole; elsewhere a POSIX
 * shell's): the URL replaces every %s, or else is appended as the last argument.
 */
export function browserArgv(commandLine: string, url: string, platform: NodeJS.Platform): string[] {
  const words = platform === 'win32' ? splitWindowsCommandLine(commandLine) : splitCommandLine(commandLine);
  if (!words.some((w) => w.includes('%s'))) return [...words, url];
  return words.map((w) => w.split('%s').join(url));
}

export interface BrowserCommand {
  /** What BROWSER names, for messages (the batch file, not cmd.exe). */
  name: string;
  file: string;
  args: string[];
  options: SpawnOptions;
}

/** Windows spells it ComSpec; a plain object (not process.env) is case-sensitive. */
function comspec(env: NodeJS.ProcessEnv): string {
  return Object.entries(env).find(([key]) => key.toLowerCase() === 'comspec')?.[1] || 'cmd.exe';
}

/**
 * How to spawn BROWSER for this link on this platform. Throws an Error that names BROWSER, worded
 * to follow "Not opening a browser: " (no closing period).
 */
export function browserCommand(
  commandLine: string,
  url: string,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv = {},
): BrowserCommand {
  let argv: string[];
  try {
    argv = browserArgv(commandLine, url, platform);
  } catch (error) {
    throw new Error(`BROWSER could not be read (${(error as Error).message})`);
  }
  const [name, ...args] = argv;
  if (!name) throw new Error('BROWSER is empty');
  // detached: the browser outlives us (on Windows a child that is not detached dies with our job
  // object); windowsHide: no console window flashes up.
  const options: SpawnOptions = { detached: true, stdio: 'ignore', shell: false, windowsHide: true };
  if (platform !== 'win32' || !isBatchFile(name)) return { name, file: name, args, options };
  try {
    const cmd = cmdShellArgv(argv, comspec(env));
    return { name, ...cmd, options: { ...options, windowsVerbatimArguments: true } };
  } catch (error) {
    throw new Error(
      `BROWSER names a batch file (${name}), which Windows runs only through cmd.exe, and ${(error as Error).message}; point BROWSER at the browser's .exe instead`,
    );
  }
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
  const platform = opts.platform ?? process.platform;
  const command = env.BROWSER?.trim();
  // An explicit BROWSER wins over any guess that there is no display: someone chose it.
  if (command) {
    let spec: BrowserCommand;
    try {
      spec = browserCommand(command, parsed.href, platform, env);
    } catch (error) {
      return { launched: false, reason: (error as Error).message };
    }
    try {
      const child = (opts.spawn ?? nodeSpawn)(spec.file, spec.args, spec.options);
      return await started(child, `BROWSER (${spec.name})`);
    } catch (error) {
      return {
        launched: false,
        reason: `BROWSER (${spec.name}) failed to start: ${(error as Error).message}`,
      };
    }
  }

  const headless = headlessReason(env, platform, opts.fileExists);
  if (headless) return { launched: false, reason: headless };
  // `open` hands the link to PowerShell inside "…" on Windows and WSL, where $(…) and ` are code.
  // Our start link never holds them; refuse rather than trust that of every caller.
  if (/[$`]/.test(parsed.href)) {
    return { launched: false, reason: 'the link holds $ or `, which the system opener could run as code' };
  }
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
