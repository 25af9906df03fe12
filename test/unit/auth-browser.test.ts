// Opening the sign-in link: BROWSER split like the platform splits command lines and never run
// through a shell (but a Windows batch file, through cmd.exe), %s, URL rules, the headless guess,
// and failures that are reported instead of thrown.
import { type ChildProcess, execFileSync, type SpawnOptions, type spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  browserArgv,
  browserCommand,
  headlessReason,
  openUrl,
  splitCommandLine,
} from '../../src/auth/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'auth-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A "browser" that records its argv into a file, so a test sees exactly what it was given. */
function recorder(name: string): { command: string; out: string } {
  const script = join(dir, `${name}.mjs`);
  const out = join(dir, `${name}.json`);
  writeFileSync(
    script,
    "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)));\n",
  );
  return { command: `'${process.execPath}' '${script}' '${out}'`, out };
}

async function argvOf(out: string): Promise<string[]> {
  // Until the file parses: it exists a moment before the recorder has written it.
  return vi.waitFor(() => JSON.parse(readFileSync(out, 'utf8')) as string[], {
    timeout: 30_000,
    interval: 20,
  });
}

describe('splitCommandLine', () => {
  it('splits on blanks and keeps quoted words whole', () => {
    expect(splitCommandLine('firefox   --new-window')).toEqual(['firefox', '--new-window']);
    expect(splitCommandLine(`"/Applications/My Browser.app/run" --flag 'two words'`)).toEqual([
      '/Applications/My Browser.app/run',
      '--flag',
      'two words',
    ]);
    expect(splitCommandLine(`a\\ b "c\\"d" 'e\\f' "g\\h"`)).toEqual(['a b', 'c"d', 'e\\f', 'g\\h']);
    expect(splitCommandLine(`x '' ""`)).toEqual(['x', '', '']);
    expect(splitCommandLine(`pre"mid"'post'`)).toEqual(['premidpost']);
  });

  it('expands nothing: $VAR, $(…), ; and globs stay literal', () => {
    expect(splitCommandLine('echo $HOME $(id) `id` ; rm -rf * &&')).toEqual([
      'echo',
      '$HOME',
      '$(id)',
      '`id`',
      ';',
      'rm',
      '-rf',
      '*',
      '&&',
    ]);
  });

  it('rejects unterminated quotes', () => {
    expect(() => splitCommandLine(`firefox "oops`)).toThrow(/unterminated double quote/);
    expect(() => splitCommandLine(`firefox 'oops`)).toThrow(/unterminated single quote/);
    expect(() => splitCommandLine('firefox \\')).toThrow(/trailing backslash/);
  });
});

describe('browserArgv', () => {
  const url = 'https://auth.example/authorize?a=1&b=2';
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    it(`appends the URL or puts it in place of %s (${platform})`, () => {
      expect(browserArgv('chromium --incognito', url, platform)).toEqual(['chromium', '--incognito', url]);
      expect(browserArgv('chromium --app=%s --x', url, platform)).toEqual([
        'chromium',
        `--app=${url}`,
        '--x',
      ]);
      expect(browserArgv('b "%s" %s', url, platform)).toEqual(['b', url, url]);
    });
    it(`keeps a URL with ;rm -rf and $(…) as one argument (${platform})`, () => {
      const hostile = 'https://auth.example/?q=;rm -rf ~;&x=$(reboot)';
      expect(browserArgv('"my browser" --new-tab', hostile, platform)).toEqual([
        'my browser',
        '--new-tab',
        hostile,
      ]);
      expect(browserArgv('b --url=%s', hostile, platform)).toEqual(['b', `--url=${hostile}`]);
    });
  }

  it('splits by POSIX rules on linux and darwin', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      expect(browserArgv(`'/Applications/My Browser.app/run' a\\ b 'c d'`, url, platform)).toEqual([
        '/Applications/My Browser.app/run',
        'a b',
        'c d',
        url,
      ]);
    }
  });

  it('splits by Windows rules on win32: program paths with spaces and backslashes stay whole', () => {
    const firefox = '"C:\\Program Files\\Mozilla Firefox\\firefox.exe" -new-tab %s';
    expect(browserArgv(firefox, url, 'win32')).toEqual([
      'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
      '-new-tab',
      url,
    ]);
    expect(browserArgv('C:\\Windows\\notepad.exe', url, 'win32')).toEqual(['C:\\Windows\\notepad.exe', url]);
    expect(browserArgv(`C:\\Tools\\b.exe 'two words' "--dir=C:\\x\\\\"`, url, 'win32')).toEqual([
      'C:\\Tools\\b.exe',
      "'two",
      "words'",
      '--dir=C:\\x\\',
      url,
    ]);
    // What POSIX rules made of it before: backslashes eaten, the quoted path fine but a bare one broken.
    expect(browserArgv('C:\\Windows\\notepad.exe', url, 'linux')).toEqual(['C:Windowsnotepad.exe', url]);
  });
});

describe('browserCommand', () => {
  const link = 'http://127.0.0.1:5555/start/AbC_d-9xYz';
  const detachedHidden = { detached: true, stdio: 'ignore', shell: false, windowsHide: true };

  it('spawns the program itself, detached and hidden, on every platform but a batch file on win32', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      expect(browserCommand('/opt/open.cmd --new', link, platform)).toEqual({
        name: '/opt/open.cmd',
        file: '/opt/open.cmd',
        args: ['--new', link],
        options: detachedHidden,
      });
    }
    const exe = browserCommand(
      '"C:\\Program Files\\Mozilla Firefox\\firefox.exe" -new-tab %s',
      link,
      'win32',
    );
    expect(exe).toEqual({
      name: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
      file: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
      args: ['-new-tab', link],
      options: detachedHidden,
    });
    // An .exe gets any link: Node quotes each argument for the C runtime itself.
    expect(browserCommand('C:\\b.exe', `${link}?a=%41&b=^|<>`, 'win32').args).toEqual([
      `${link}?a=%41&b=^|<>`,
    ]);
  });

  it('runs a .cmd or .bat (any case) on win32 as cmd.exe /d /s /c, verbatim and hidden', () => {
    const viaCmd = { ...detachedHidden, windowsVerbatimArguments: true };
    expect(browserCommand('"C:\\My Tools\\open.CMD" --url=%s', link, 'win32')).toEqual({
      name: 'C:\\My Tools\\open.CMD',
      file: 'cmd.exe',
      args: ['/d', '/s', '/c', `""C:\\My Tools\\open.CMD" ^"--url=${link}^""`],
      options: viaCmd,
    });
    const comspec = 'C:\\Windows\\system32\\cmd.exe';
    expect(browserCommand('C:\\Tools\\open.Bat', link, 'win32', { ComSpec: comspec })).toEqual({
      name: 'C:\\Tools\\open.Bat',
      file: comspec,
      args: ['/d', '/s', '/c', `""C:\\Tools\\open.Bat" ^"${link}^""`],
      options: viaCmd,
    });
  });

  it('refuses a batch file when an argument holds "%^&|<> or a line break, naming BROWSER', () => {
    expect(() => browserCommand('C:\\Tools\\open.cmd --profile=a&b', link, 'win32')).toThrow(
      /^BROWSER names a batch file \(C:\\Tools\\open\.cmd\), which Windows runs only through cmd\.exe, and cmd\.exe would act on "&" in "--profile=a&b"; point BROWSER at the browser's \.exe instead$/,
    );
    for (const bad of ['%20', '^', '|', '<', '>', '&', '\n']) {
      expect(() => browserCommand('open.cmd', `${link}?${bad}`, 'win32'), bad).toThrow(
        /^BROWSER names a batch file/,
      );
    }
    expect(() => browserCommand('open.cmd "a\\"b"', link, 'win32')).toThrow(/act on """ in "a\\"b"/);
  });

  it('names BROWSER when it is empty or cannot be read', () => {
    expect(() => browserCommand('""', link, 'win32')).toThrow('BROWSER is empty');
    expect(() => browserCommand('firefox "oops', link, 'linux')).toThrow(
      'BROWSER could not be read (unterminated double quote)',
    );
  });
});

describe('headlessReason', () => {
  const none = () => false;
  it('names SSH, containers and a missing display; none on a desktop', () => {
    expect(headlessReason({ SSH_CONNECTION: '1 2 3 4', DISPLAY: ':0' }, 'linux', none)).toMatch(/SSH/);
    expect(headlessReason({ DISPLAY: ':0' }, 'linux', (p) => p === '/.dockerenv')).toMatch(/container/);
    expect(headlessReason({}, 'linux', none)).toMatch(/no display/);
    expect(headlessReason({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', none)).toBeUndefined();
    expect(headlessReason({}, 'darwin', none)).toBeUndefined();
  });
});

describe('openUrl', () => {
  it('runs BROWSER without a shell: a URL with ; $(…) and backquotes stays one argument', async () => {
    const { command, out } = recorder('hostile');
    const canary = join(dir, 'pwned');
    // No blanks (a URL would encode them): ${IFS} stands in, and the query keeps $ ( ) ; ` as they are.
    const url = `https://auth.example/authorize?x=$(touch\${IFS}${canary})&y=\`touch\${IFS}${canary}\`&z=;true`;
    expect(new URL(url).href).toBe(url);
    // The payload is live: through a shell it would have run.
    execFileSync('/bin/sh', ['-c', `${command} ${url}`]);
    expect(existsSync(canary)).toBe(true);
    rmSync(canary);
    rmSync(out);

    const result = await openUrl(url, { env: { BROWSER: command } });
    expect(result).toEqual({ launched: true });
    expect(await argvOf(out)).toEqual([url]);
    expect(existsSync(canary)).toBe(false);
  });

  it('replaces %s inside a quoted argument of BROWSER', async () => {
    const { command, out } = recorder('percent');
    const url = 'https://auth.example/a?b=c';
    await openUrl(url, { env: { BROWSER: `${command} "--open=%s" last` } });
    expect(await argvOf(out)).toEqual([`--open=${url}`, 'last']);
  });

  it('an explicit BROWSER wins over the headless guess', async () => {
    const { command, out } = recorder('headless');
    const result = await openUrl('https://auth.example/', {
      env: { BROWSER: command, SSH_CONNECTION: 'x' },
      platform: 'linux',
    });
    expect(result.launched).toBe(true);
    expect(await argvOf(out)).toEqual(['https://auth.example/']);
  });

  it('reports a BROWSER that cannot start instead of throwing', async () => {
    const result = await openUrl('https://auth.example/', { env: { BROWSER: join(dir, 'no-such-browser') } });
    expect(result.launched).toBe(false);
    expect(result.reason).toMatch(/ENOENT/);
  });

  it('reports an unreadable BROWSER', async () => {
    const result = await openUrl('https://auth.example/', { env: { BROWSER: 'firefox "unclosed' } });
    expect(result).toEqual({ launched: false, reason: expect.stringMatching(/unterminated/) });
  });

  it('opens only https, or http on loopback', async () => {
    const spawned: string[][] = [];
    const fakeSpawn = ((file: string, args: string[]) => {
      spawned.push([file, ...args]);
      return { pid: 1, on: () => {}, unref: () => {} } as unknown as ChildProcess;
    }) as unknown as typeof spawn;
    const env = { BROWSER: 'browser' };
    for (const bad of ['http://auth.example/', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
      const result = await openUrl(bad, { env, spawn: fakeSpawn });
      expect(result.launched, bad).toBe(false);
    }
    expect(spawned).toEqual([]);
    for (const good of [
      'https://auth.example/',
      'http://127.0.0.1:5555/start/x',
      'http://localhost:1/',
      'http://[::1]:2/',
    ]) {
      expect((await openUrl(good, { env, spawn: fakeSpawn })).launched, good).toBe(true);
    }
    expect(spawned).toHaveLength(4);
  });

  it('on win32 spawns what browserCommand says, and reports a refused batch file without spawning', async () => {
    const calls: { file: string; args: readonly string[]; options: SpawnOptions }[] = [];
    const fakeSpawn = ((file: string, args: readonly string[], options: SpawnOptions) => {
      calls.push({ file, args, options });
      return { pid: 1, on: () => {}, unref: () => {} } as unknown as ChildProcess;
    }) as unknown as typeof spawn;
    const link = 'http://127.0.0.1:5555/start/AbC_d-9xYz';
    const env = { BROWSER: 'C:\\Tools\\open.bat --new', ComSpec: 'C:\\Windows\\system32\\cmd.exe' };
    expect(await openUrl(link, { env, platform: 'win32', spawn: fakeSpawn })).toEqual({ launched: true });
    const { file, args, options } = browserCommand(env.BROWSER, link, 'win32', env);
    expect(calls).toEqual([{ file, args, options }]);
    expect(calls[0]?.file).toBe(env.ComSpec);
    expect(calls[0]?.options).toMatchObject({ windowsHide: true, windowsVerbatimArguments: true });

    const refused = await openUrl(`${link}?a=%41`, { env, platform: 'win32', spawn: fakeSpawn });
    expect(refused).toEqual({
      launched: false,
      reason: expect.stringMatching(/^BROWSER names a batch file/),
    });
    expect(calls).toHaveLength(1);
  });

  it('never hands the system opener a link with $ or a backquote (PowerShell would run them)', async () => {
    const openDefault = vi.fn(
      async () => ({ pid: 42, on: () => {}, unref: () => {} }) as unknown as ChildProcess,
    );
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      for (const url of ['https://auth.example/$(calc)', 'https://auth.example/?q=`calc`']) {
        expect(new URL(url).href).toBe(url);
        const result = await openUrl(url, {
          env: { DISPLAY: ':0' },
          platform,
          fileExists: () => false,
          openDefault,
        });
        expect(result, `${platform} ${url}`).toEqual({
          launched: false,
          reason: expect.stringMatching(/\$ or `/),
        });
      }
      expect(
        await openUrl('http://127.0.0.1:5555/start/AbC_d-9xYz', {
          env: { DISPLAY: ':0' },
          platform,
          fileExists: () => false,
          openDefault,
        }),
      ).toEqual({ launched: true });
    }
    expect(openDefault).toHaveBeenCalledTimes(3);
  });

  it('--no-browser launches nothing', async () => {
    const openDefault = vi.fn();
    const result = await openUrl('https://auth.example/', {
      noBrowser: true,
      env: { BROWSER: 'x' },
      openDefault,
    });
    expect(result).toEqual({ launched: false, reason: '--no-browser is set' });
    expect(openDefault).not.toHaveBeenCalled();
  });

  it('uses the system opener without BROWSER, and skips it where there is no display', async () => {
    const openDefault = vi.fn(
      async () => ({ pid: 42, on: () => {}, unref: () => {} }) as unknown as ChildProcess,
    );
    const desktop = await openUrl('https://auth.example/', {
      env: { DISPLAY: ':0' },
      platform: 'linux',
      fileExists: () => false,
      openDefault,
    });
    expect(desktop).toEqual({ launched: true });
    expect(openDefault).toHaveBeenCalledWith('https://auth.example/');

    const headless = await openUrl('https://auth.example/', {
      env: {},
      platform: 'linux',
      fileExists: () => false,
      openDefault,
    });
    expect(headless).toEqual({ launched: false, reason: expect.stringMatching(/no display/) });
    expect(openDefault).toHaveBeenCalledTimes(1);
  });
});
