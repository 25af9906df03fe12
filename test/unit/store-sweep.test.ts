// Temp files left by a write that was killed: named oauth.json.tmp-<pid>-<random>; when the store
// opens, under the lock, one that validates and is newer than oauth.json is recovered (it may hold
// the newest refresh token), the rest are deleted, and stderr says what was done.
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StoreFileIO } from '../../src/store/file-store.js';
import { replaceFile } from '../../src/store/replace.js';
import type { StoreFile } from '../../src/store/types.js';

const tmp = () => mkdtemp(join(tmpdir(), 'hostsmith-store-sweep-'));

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ write: (l) => lines.push(l) }) };
}

const content = (marker: string): StoreFile => ({
  version: 1,
  credentials: {},
  registrations: { i: { client_id: marker, registered_at: 1 } },
  pending_sign_ins: {},
});
const json = (marker: string) => `${JSON.stringify(content(marker))}\n`;

function age(path: string, secondsAgo: number) {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, t, t);
}

async function storeWith(files: Record<string, [text: string, secondsAgo: number]>) {
  const dir = join(await tmp(), 'c/hostsmith');
  const setup = new StoreFileIO(dir, capture().log);
  await setup.ensureDir();
  for (const [name, [text, ago]] of Object.entries(files)) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    age(join(dir, name), ago);
  }
  const { lines, log } = capture();
  return { dir, io: new StoreFileIO(dir, log), lines };
}

describe('our temp file names', () => {
  it('are oauth.json.tmp-<pid>-<random>', async () => {
    const dir = await tmp();
    const file = join(dir, 'oauth.json');
    const seen: string[] = [];
    const fs = await import('node:fs/promises');
    await replaceFile(file, 'x', {
      fs: {
        open: (path, flags, mode) => {
          seen.push(String(path));
          return fs.open(path, flags, mode);
        },
        rename: fs.rename,
        unlink: fs.unlink,
      },
    });
    expect(seen[0]).toMatch(new RegExp(`/oauth\\.json\\.tmp-${process.pid}-[0-9a-f]{12}$`));
  });
});

describe('leftovers of a killed write, when the store opens', () => {
  it('a valid temp file newer than oauth.json is recovered; the others are deleted; said once', async () => {
    const { dir, io, lines } = await storeWith({
      'oauth.json': [json('old'), 60],
      'oauth.json.tmp-111-aaaaaaaaaaaa': [json('newest'), 5],
      'oauth.json.tmp-112-bbbbbbbbbbbb': [json('older'), 120],
      'oauth.json.tmp-113-cccccccccccc': ['{"version": 1, "credentials": {"x": {', 1],
    });
    expect((await io.read()).registrations.i?.client_id).toBe('newest');
    expect(readdirSync(dir).sort()).toEqual(['oauth.json']);
    expect(statSync(join(dir, 'oauth.json')).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(dir, 'oauth.json'));
    expect(lines[0]).toMatch(/recovered/i);
    expect(lines[0]).toMatch(/deleted 2/i);
    await io.read();
    expect(lines).toHaveLength(1);
  });

  it('temp files older than oauth.json hold nothing newer: deleted, oauth.json kept', async () => {
    const { dir, io, lines } = await storeWith({
      'oauth.json': [json('current'), 1],
      'oauth.json.tmp-111-aaaaaaaaaaaa': [json('stale-pair'), 30],
      'oauth.json.tmp-112-bbbbbbbbbbbb': ['', 0],
    });
    expect((await io.read()).registrations.i?.client_id).toBe('current');
    expect(readdirSync(dir).sort()).toEqual(['oauth.json']);
    expect(lines.join('')).toMatch(/deleted 2/i);
    expect(lines.join('')).not.toMatch(/recovered/i);
  });

  it('after logout removed oauth.json, a temp pair is not resurrected unless newer: the old names go too', async () => {
    // write-file-atomic named its temp files oauth.json.<hash>: those hold token pairs as well.
    const { dir, io } = await storeWith({
      'oauth.json': [json('signed-out'), 0],
      'oauth.json.3e1f9a2c': [json('legacy-pair'), 100],
      'oauth.json.lock.x': ['not ours', 100],
    });
    await io.update(() => {});
    expect(readdirSync(dir).sort()).toEqual(['oauth.json', 'oauth.json.lock.x']);
    expect(readFileSync(join(dir, 'oauth.json'), 'utf8')).toContain('signed-out');
  });

  it('with no oauth.json, the newest valid temp file becomes it', async () => {
    const { dir, io } = await storeWith({
      'oauth.json.tmp-9-aaaaaaaaaaaa': [json('only'), 10],
    });
    expect((await io.read()).registrations.i?.client_id).toBe('only');
    expect(readdirSync(dir)).toEqual(['oauth.json']);
  });

  it('one it cannot remove is named on stderr, and the call goes on', async () => {
    const { dir, io, lines } = await storeWith({
      'oauth.json': [json('current'), 10],
      'oauth.json.tmp-7-aaaaaaaaaaaa': [json('older'), 30],
    });
    mkdirSync(join(dir, 'oauth.json.tmp-8-bbbbbbbbbbbb')); // unlink refuses a folder
    await io.update((c) => {
      c.registrations.j = { client_id: 'j', registered_at: 2 };
    });
    expect(Object.keys((await io.read()).registrations).sort()).toEqual(['i', 'j']);
    expect(readdirSync(dir).sort()).toEqual(['oauth.json', 'oauth.json.tmp-8-bbbbbbbbbbbb']);
    expect(lines.join('')).toMatch(
      /deleted 1 leftover temp file\. Could not remove oauth\.json\.tmp-8-bbbbbbbbbbbb \(E[A-Z]+\).*delete them by hand/,
    );
  });
});
