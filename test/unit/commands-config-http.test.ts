// `hostsmith-mcp config <client> --http`: each host's entry for the local HTTP form on each
// platform (the pure builder), the command through main() with and without a secret file, and
// the README's copy.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { HOST_IDS, type HostId } from '../../src/commands/config/hosts.js';
import { httpHostEntry } from '../../src/commands/config/http-hosts.js';
import { PLATFORMS, type Platform } from '../../src/shell-quote.js';
import { fakeIO } from '../helpers/fake-io.js';

const SECRET = 'S'.repeat(43);
const URL_ = 'http://127.0.0.1:4000/mcp';
const entry = (host: HostId, platform: Platform, secretKnown = true, port = 4000) =>
  httpHostEntry(host, {
    platform,
    port,
    secret: secretKnown ? SECRET : '<secret>',
    secretKnown,
    serveArgs: ['--port', '4000'],
  });

/** Where each host's entry says to connect, and the Authorization header it sends. */
function target(host: HostId, platform: Platform): { url: string; authorization?: string } {
  const { snippet } = entry(host, platform);
  if (snippet.format === 'toml') {
    return {
      url: JSON.parse(/^url = (".*")$/m.exec(snippet.text)![1]!),
      authorization: JSON.parse(/"Authorization" = (".*") }$/m.exec(snippet.text)![1]!),
    };
  }
  type Server = Record<string, unknown> & { headers?: { Authorization: string }; args?: string[] };
  const doc = JSON.parse(snippet.text) as Record<string, Record<string, Server>>;
  const server = doc[host === 'vscode' ? 'servers' : 'mcpServers']!.hostsmith!;
  if (host === 'claude-desktop') return { url: server.args!.at(-1)! };
  const url = (server.url ?? server.serverUrl ?? server.httpUrl) as string;
  return { url, ...(server.headers ? { authorization: server.headers.Authorization } : {}) };
}

describe('httpHostEntry, for every host on every platform', () => {
  for (const host of HOST_IDS) {
    for (const platform of PLATFORMS) {
      it(`${host} on ${platform}: the URL with the secret, as a header or in the path`, () => {
        const { url, authorization } = target(host, platform);
        if (authorization === undefined) expect(url).toBe(`${URL_}/${SECRET}`);
        else expect({ url, authorization }).toEqual({ url: URL_, authorization: `Bearer ${SECRET}` });
        const e = entry(host, platform);
        expect(e.notes[0]).toContain('npx -y hostsmith-mcp serve --http --port 4000');
        expect(e.notes[1]).toMatch(/kept in the secret file/);
      });
    }
  }
  it('each host its own key for the URL: url, serverUrl (Windsurf), httpUrl (Gemini), type http (VS Code, Claude Code)', () => {
    expect(entry('windsurf', 'linux').snippet.text).toContain('"serverUrl"');
    expect(entry('gemini', 'linux').snippet.text).toContain('"httpUrl"');
    expect(entry('vscode', 'linux').snippet.text).toMatch(/"servers"[\s\S]*"type": "http"/);
    expect(entry('claude-code', 'linux').snippet.text).toContain('"type": "http"');
    expect(entry('cursor', 'linux').snippet.text).toContain('"url"');
  });
  it('Claude Code and Gemini CLI: a terminal command with the header, quoted for the shell', () => {
    expect(entry('claude-code', 'linux').command).toBe(
      `claude mcp add --scope user --transport http hostsmith ${URL_} --header 'Authorization: Bearer ${SECRET}'`,
    );
    expect(entry('gemini', 'win32').command).toBe(
      `gemini mcp add --scope user --transport http --header "Authorization: Bearer ${SECRET}" hostsmith ${URL_}`,
    );
  });
  it('Claude Desktop on Windows goes through cmd /c, as its stdio entry does', () => {
    const doc = JSON.parse(entry('claude-desktop', 'win32').snippet.text);
    expect(doc.mcpServers.hostsmith.command).toBe('cmd');
    expect(doc.mcpServers.hostsmith.args.slice(0, 4)).toEqual(['/c', 'npx', '-y', 'mcp-remote']);
  });
  it('without a secret file: a placeholder and how to get the secret', () => {
    const e = entry('cursor', 'linux', false);
    expect(e.snippet.text).toContain('Bearer <secret>');
    expect(e.notes[1]).toMatch(/prints when it starts.*--http-secret-file/);
  });
});

describe('hostsmith-mcp config <client> --http, through main()', () => {
  it('with --http-secret-file: creates the file (0600) and prints its secret and the serve command', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hostsmith-cfg-')), 'secret');
    const io = fakeIO();
    const code = await main(
      ['config', 'vscode', '--platform', 'linux', '--http', '--port', '4100', '--http-secret-file', file],
      io,
    );
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    const secret = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(io.stdout()).toContain(`"Authorization": "Bearer ${secret}"`);
    expect(io.stdout()).toContain('"url": "http://127.0.0.1:4100/mcp"');
    expect(io.stdout()).toContain(`serve --http --port 4100 --http-secret-file ${file}`);
    // The same file, the same secret: the entry lasts.
    const again = fakeIO();
    await main(
      ['config', 'vscode', '--platform', 'linux', '--http', '--port', '4100', '--http-secret-file', file],
      again,
    );
    expect(again.stdout()).toBe(io.stdout());
  });
  it('without: port 3333 and a placeholder', async () => {
    const io = fakeIO();
    expect(await main(['config', 'codex', '--platform', 'darwin', '--http', '--client', 'work'], io)).toBe(0);
    expect(io.stdout()).toContain('url = "http://127.0.0.1:3333/mcp"');
    expect(io.stdout()).toContain('"Bearer <secret>"');
    expect(io.stdout()).toContain('npx -y hostsmith-mcp serve --http --client work');
  });
  it('a bad port, or --port without --http: exit 2, naming it', async () => {
    const io = fakeIO();
    expect(await main(['config', 'cursor', '--http', '--port', 'x'], io)).toBe(2);
    expect(io.stderr()).toContain('--port');
    const io2 = fakeIO();
    expect(await main(['serve', '--port', '4000'], io2)).toBe(2);
    expect(io2.stderr()).toContain('--port and --http-secret-file go with --http');
  });
});

describe('the README shows the same HTTP entries', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  it('the commands and the key each host reads the URL from', () => {
    const placeholder = (host: HostId) => entry(host, 'linux', false, 3333);
    expect(readme).toContain(placeholder('claude-code').command);
    expect(readme).toContain(placeholder('gemini').command);
    for (const host of HOST_IDS) {
      // Each JSON entry's server object, or Codex's TOML, as printed.
      const text = placeholder(host).snippet.text;
      const inner =
        host === 'codex'
          ? text
          : JSON.stringify(JSON.parse(text)[host === 'vscode' ? 'servers' : 'mcpServers'].hostsmith);
      expect(readme.replace(/\s+/g, ''), host).toContain(inner.replace(/\s+/g, ''));
    }
  });
});
