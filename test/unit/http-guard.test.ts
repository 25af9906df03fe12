// The local HTTP endpoint's admission rules (src/mcp/http/guard.ts): the Host and Origin checks
// against DNS rebinding, the secret's comparison, the order of the verdicts; the secret file
// (src/mcp/http/secret.ts); and the --http flags.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpFlagError, httpOptions } from '../../src/commands/serve/http-options.js';
import {
  admit,
  type GuardRequest,
  hostAllowed,
  originAllowed,
  secretMatches,
} from '../../src/mcp/http/guard.js';
import { newSecret, SecretFileError, secretFromFile } from '../../src/mcp/http/secret.js';

const PORT = 3333;

describe('hostAllowed: a loopback name with our port', () => {
  it.each(['127.0.0.1:3333', 'localhost:3333', 'LOCALHOST:3333', '[::1]:3333'])('%s passes', (host) => {
    expect(hostAllowed(host, PORT)).toBe(true);
  });
  it.each([
    ['a rebinding name', 'evil.example:3333'],
    ['a name that merely starts with localhost', 'localhost.evil.example:3333'],
    ['another port', '127.0.0.1:3334'],
    ['no port (80)', '127.0.0.1'],
    ['another loopback address', '127.0.0.2:3333'],
    ['a LAN address', '192.168.1.10:3333'],
    ['an unspecified address', '0.0.0.0:3333'],
    ['user info', 'user@127.0.0.1:3333'],
    ['a path', '127.0.0.1:3333/x'],
    ['garbage', 'not a host'],
    ['empty', ''],
    ['absent', undefined],
  ])('%s (%s) is refused', (_, host) => {
    expect(hostAllowed(host, PORT)).toBe(false);
  });
  it('port 80 may be left out, as clients do', () => {
    expect(hostAllowed('localhost', 80)).toBe(true);
    expect(hostAllowed('localhost:80', 80)).toBe(true);
  });
});

describe('originAllowed: absent, or a loopback page', () => {
  it.each([
    undefined,
    'http://localhost:6274',
    'http://127.0.0.1',
    'https://[::1]:8443',
  ])('%s passes', (origin) => {
    expect(originAllowed(origin)).toBe(true);
  });
  it.each([
    'https://evil.example',
    'http://localhost.evil.example',
    'null',
    'file://',
    'chrome-extension://abc',
    '',
  ])('%s is refused', (origin) => {
    expect(originAllowed(origin)).toBe(false);
  });
});

describe('secretMatches', () => {
  const secret = newSecret();
  it('is true for the secret only', () => {
    expect(secretMatches(secret, secret)).toBe(true);
    expect(secretMatches(`${secret}x`, secret)).toBe(false);
    expect(secretMatches(secret.slice(0, -1), secret)).toBe(false);
    expect(secretMatches('', secret)).toBe(false);
  });
  it('a new secret is 32 random bytes in base64url', () => {
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(secret);
  });
});

describe('admit', () => {
  const secret = newSecret();
  const good: GuardRequest = {
    host: `127.0.0.1:${PORT}`,
    origin: undefined,
    authorization: `Bearer ${secret}`,
    path: '/mcp',
  };
  const verdict = (changes: Partial<GuardRequest>) => admit({ ...good, ...changes }, { port: PORT, secret });

  it('the secret as a bearer header, or as the path, or both', () => {
    expect(verdict({})).toEqual({ ok: true });
    expect(verdict({ authorization: `bearer  ${secret}` })).toEqual({ ok: true });
    expect(verdict({ authorization: undefined, path: `/mcp/${secret}` })).toEqual({ ok: true });
    expect(verdict({ path: `/mcp/${secret}` })).toEqual({ ok: true });
  });
  it('401 without it, with a wrong one, or with one right and one wrong', () => {
    for (const changes of [
      { authorization: undefined },
      { authorization: 'Bearer nope' },
      { authorization: secret },
      { authorization: `Basic ${secret}` },
      { authorization: undefined, path: '/mcp/nope' },
      { path: '/mcp/nope' },
      { authorization: 'Bearer nope', path: `/mcp/${secret}` },
    ]) {
      expect(verdict(changes), JSON.stringify(changes)).toMatchObject({ ok: false, status: 401 });
    }
  });
  it('404 for any other path', () => {
    for (const path of ['/', '/mcpx', `/mcp/${secret}/x`, '/mcp/', `/other/${secret}`]) {
      expect(verdict({ path }), path).toMatchObject({ ok: false, status: 404 });
    }
  });
  it('403 for a rebinding Host or a foreign Origin, before anything else is looked at', () => {
    expect(verdict({ host: `evil.example:${PORT}` })).toMatchObject({ ok: false, status: 403 });
    expect(verdict({ origin: 'https://evil.example' })).toMatchObject({ ok: false, status: 403 });
    expect(verdict({ host: `evil.example:${PORT}`, authorization: undefined, path: '/x' })).toMatchObject({
      status: 403,
    });
  });
  it('no refusal repeats the secret it was given', () => {
    const answer = verdict({ authorization: `Bearer ${secret}x` });
    expect(answer.ok || answer.message).not.toContain(secret);
  });
});

describe('secretFromFile', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'hostsmith-secret-'));

  it('creates a missing file 0600 with a new secret, and reads the same one back', async () => {
    const file = join(dir(), 'http-secret');
    const secret = await secretFromFile(file, 'linux');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(await secretFromFile(file, 'linux')).toBe(secret);
  });
  it('refuses a file others can read, naming the fix (not on Windows, where modes mean nothing)', async () => {
    const file = join(dir(), 'http-secret');
    writeFileSync(file, `${newSecret()}\n`);
    chmodSync(file, 0o644);
    await expect(secretFromFile(file, 'linux')).rejects.toThrow(`chmod 600 ${file}`);
    await expect(secretFromFile(file, 'darwin')).rejects.toBeInstanceOf(SecretFileError);
    await expect(secretFromFile(file, 'win32')).resolves.toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it('refuses a file that holds no secret, and says to delete it', async () => {
    const file = join(dir(), 'http-secret');
    writeFileSync(file, 'hunter2\n', { mode: 0o600 });
    await expect(secretFromFile(file, 'linux')).rejects.toThrow(/does not hold a secret.*Delete it/);
  });
  it('a folder that does not exist: says which file could not be made', async () => {
    const file = join(dir(), 'missing', 'http-secret');
    await expect(secretFromFile(file, 'linux')).rejects.toThrow(`Cannot create the HTTP secret file ${file}`);
  });
});

describe('httpOptions (--http, --port, --http-secret-file)', () => {
  it('defaults to port 3333 and a secret per launch; 0 picks a free port', () => {
    expect(httpOptions({ http: true })).toEqual({ port: 3333 });
    expect(httpOptions({ http: true, port: '0', 'http-secret-file': 's' })).toEqual({
      port: 0,
      secretFile: 's',
    });
    expect(httpOptions({})).toBeUndefined();
  });
  it('refuses a bad port, and --port without --http', () => {
    for (const port of ['-1', '65536', '3.5', 'abc', '']) {
      expect(() => httpOptions({ http: true, port }), port).toThrow(HttpFlagError);
    }
    expect(() => httpOptions({ port: '4000' })).toThrow('--port and --http-secret-file go with --http');
  });
});
