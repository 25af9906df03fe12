// Opening the sign-in link: BROWSER split like a shell but never run through one, %s, URL rules,
// the headless guess, and failures that are reported instead of thrown.
import { type ChildProcess, execFileSync, type spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { browserArgv, headlessReason, openUrl, splitCommandLine } from '../../src/auth/browser.js';

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
  await vi.waitFor(() => expect(existsSync(out)).toBe(true), { timeout: 5000, interval: 20 });
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
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
  it('appends the URL as the last argument when there is no %s', () => {
    expect(browserArgv('chromium --incognito', url)).toEqual(['chromium', '--incognito', url]);
  });
  it('keeps a URL with ;rm -rf and $(…) as one argument', () => {
    const hostile = 'https://auth.example/?q=;rm -rf ~;&x=$(reboot)';
    expect(browserArgv('"my browser" --new-tab', hostile)).toEqual(['my browser', '--new-tab', hostile]);
    expect(browserArgv('b --url=%s', hostile)).toEqual(['b', `--url=${hostile}`]);
  });
  it('puts the URL in place of %s', () => {
    expect(browserArgv('chromium --app=%s --x', url)).toEqual(['chromium', `--app=${url}`, '--x']);
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
