// Walking a local folder: the ignore rule (every name of the one list, in any letter case), NFC
// site paths and names that collide under it, symlinks inside and outside, and every folder
// error with its stable code and a message that names the culprit.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployError } from '../../src/deploy/errors.js';
import { IGNORED_NAMES, ignoreRuleText, isIgnoredName } from '../../src/deploy/ignore.js';
import { walkDirectory } from '../../src/deploy/walk.js';

const base = await fs.mkdtemp(join(tmpdir(), 'deploy-walk-'));
afterAll(() => fs.rm(base, { recursive: true, force: true }));
let n = 0;

async function tree(files: Record<string, string>): Promise<string> {
  const root = join(base, `t${n++}`);
  await fs.mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await fs.mkdir(join(root, path, '..'), { recursive: true });
    await fs.writeFile(join(root, path), content);
  }
  return root;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected the walk to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeployError);
  const { code, message } = err as DeployError;
  return { code, message };
}

describe('walkDirectory', () => {
  it('lists files with / paths, sizes and sorted order, leaving out dotfiles and node_modules', async () => {
    const root = await tree({
      'index.html': '<h1>hi</h1>',
      'css/style.css': 'body{}',
      'a/b/c.txt': 'deep',
      '.env': 'SECRET=1',
      '.git/config': '[core]',
      '.DS_Store': 'x',
      'node_modules/x/index.js': 'x',
      'css/.hidden': 'x',
      '.well-known/security.txt': 'Contact: x',
    });
    const r = await walkDirectory(root);
    expect(r.root).toBe(root);
    expect(r.resolvedRelative).toBe(false);
    expect(r.files.map((f) => [f.path, f.size])).toEqual([
      ['.well-known/security.txt', 10],
      ['a/b/c.txt', 4],
      ['css/style.css', 6],
      ['index.html', 11],
    ]);
    expect(r.skipped).toEqual(['.DS_Store', '.env', '.git', 'css/.hidden', 'node_modules']);
  });

  it('the ignore rule by name, in any letter case', () => {
    expect(isIgnoredName('.git')).toBe(true);
    expect(isIgnoredName('.well-known')).toBe(false);
    expect(isIgnoredName('.Well-Known')).toBe(true); // URLs are case-sensitive: only the RFC 8615 name
    expect(isIgnoredName('index.html')).toBe(false);
    expect(isIgnoredName('a.b')).toBe(false);
    expect(IGNORED_NAMES).toEqual([
      'Thumbs.db',
      'ehthumbs.db',
      'desktop.ini',
      'Icon\r',
      '$RECYCLE.BIN',
      'System Volume Information',
      '__MACOSX',
      'node_modules',
    ]);
    for (const name of IGNORED_NAMES) {
      expect(isIgnoredName(name), name).toBe(true);
      expect(isIgnoredName(name.toUpperCase()), name).toBe(true);
      expect(isIgnoredName(name.toLowerCase()), name).toBe(true);
    }
    // Near misses are content.
    for (const name of [
      'Icon',
      'Icon\r.png',
      'thumbs.db.html',
      'desktop.ini.txt',
      'RECYCLE.BIN',
      'node_module',
    ])
      expect(isIgnoredName(name), JSON.stringify(name)).toBe(false);
    // The tool's description quotes the same list.
    for (const name of IGNORED_NAMES) expect(ignoreRuleText()).toContain(name.replace('\r', '\\r'));
  });

  it('leaves out desktop clutter in any case and at any depth, and says what it left out', async () => {
    const root = await tree({
      'index.html': 'x',
      'THUMBS.DB': 'x',
      'img/thumbs.db': 'x',
      'img/EhThumbs.db': 'x',
      'img/logo.png': 'png',
      'Desktop.INI': 'x',
      'sub/desktop.ini': 'x',
      'Icon\r': '',
      'sub/ICON\r': '',
      Icon: 'kept: no carriage return',
      '$Recycle.Bin/x': 'x',
      'System Volume Information/IndexerVolumeGuid': 'x',
      '__macosx/._index.html': 'x',
      'Node_Modules/x.js': 'x',
      'sub/.DS_Store': 'x',
      'sub/page.html': 'x',
    });
    const r = await walkDirectory(root);
    expect(r.files.map((f) => f.path)).toEqual(['Icon', 'img/logo.png', 'index.html', 'sub/page.html']);
    expect(r.skipped).toEqual([
      '$Recycle.Bin',
      'Desktop.INI',
      'Icon\r',
      'Node_Modules',
      'System Volume Information',
      'THUMBS.DB',
      '__macosx',
      'img/EhThumbs.db',
      'img/thumbs.db',
      'sub/.DS_Store',
      'sub/ICON\r',
      'sub/desktop.ini',
    ]);
  });

  it('publishes a decomposed (NFD) name under its NFC site path, reading the name on disk', async () => {
    const nfd = 'cafe\u0301';
    const nfc = 'caf\u00e9';
    const root = await tree({ [`${nfd}.html`]: 'menu', [`re\u0301sume\u0301/${nfd}.txt`]: 'cv' });
    const r = await walkDirectory(root);
    expect(r.files.map(({ stamp: _, ...file }) => file)).toEqual([
      { path: `${nfc}.html`, source: join(root, `${nfd}.html`), size: 4 },
      {
        path: `r\u00e9sum\u00e9/${nfc}.txt`,
        source: join(root, `re\u0301sume\u0301`, `${nfd}.txt`),
        size: 2,
      },
    ]);
    // Each file's stamp, for the digest cache, is that of the bytes under the name on disk.
    for (const file of r.files) {
      const st = await fs.stat(file.source, { bigint: true });
      expect(file.stamp).toEqual({ size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, dev: st.dev });
    }
  });

  it('two names that become the same site path are refused, naming both', async () => {
    const nfd = 'cafe\u0301.html';
    const nfc = 'caf\u00e9.html';
    const root = await tree({ [nfd]: 'decomposed', [nfc]: 'composed', 'index.html': 'x' });
    const { code, message } = await codeOf(walkDirectory(root));
    expect(code).toBe('PATH_COLLISION');
    expect(message).toContain(JSON.stringify(nfd));
    expect(message).toContain(JSON.stringify(nfc));
    expect(message).toContain('cafe\\u0301.html'); // spelled out, since the two look the same
    expect(message).toContain('caf\\u00e9.html');
    expect(message).toContain(root);
    // The same through two folders whose names collide.
    const dirs = await tree({ [`${nfd}/a.txt`]: 'x', [`${nfc}/a.txt`]: 'y' });
    const both = await codeOf(walkDirectory(dirs));
    expect(both.code).toBe('PATH_COLLISION');
    expect(both.message).toContain(JSON.stringify(`${nfd}/a.txt`));
    expect(both.message).toContain(JSON.stringify(`${nfc}/a.txt`));
  });

  it('expands ~ with the home folder it is given', async () => {
    const root = await tree({ 'blog/dist/index.html': 'x' });
    const r = await walkDirectory('~/blog/dist', { home: root, cwd: '/nowhere', platform: 'linux' });
    expect(r.root).toBe(join(root, 'blog/dist'));
    expect(r.resolvedRelative).toBe(false);
    expect(r.files.map((f) => f.path)).toEqual(['index.html']);
  });

  it('resolves a relative folder against cwd and says so', async () => {
    const root = await tree({ 'x.txt': 'x' });
    const r = await walkDirectory(root.slice(base.length + 1), { cwd: base });
    expect(r.root).toBe(root);
    expect(r.resolvedRelative).toBe(true);
    expect(r.files.map((f) => f.path)).toEqual(['x.txt']);
  });

  it('follows a file link and a folder link that stay inside, under the link paths', async () => {
    const root = await tree({ 'real/page.html': 'page', 'logo.svg': '<svg/>' });
    await fs.symlink('logo.svg', join(root, 'alias.svg'));
    await fs.symlink(join(root, 'real'), join(root, 'linked'));
    await fs.symlink('..', join(root, 'real', 'loop')); // back to the root: not walked again
    const r = await walkDirectory(root);
    expect(r.files.map((f) => [f.path, f.source])).toEqual([
      ['alias.svg', join(root, 'logo.svg')],
      ['linked/page.html', join(root, 'real', 'page.html')],
      ['logo.svg', join(root, 'logo.svg')],
      ['real/page.html', join(root, 'real', 'page.html')],
    ]);
    expect(r.skipped).toEqual(['linked/loop', 'real/loop']);
  });

  it('refuses a link that points outside the folder, naming it', async () => {
    const outside = await tree({ 'secret.txt': 'no' });
    const root = await tree({ 'index.html': 'x' });
    await fs.symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    const { code, message } = await codeOf(walkDirectory(root));
    expect(code).toBe('PATH_OUTSIDE_DIRECTORY');
    expect(message).toContain('leak.txt');
    expect(message).toContain(join(outside, 'secret.txt'));
  });

  it('refuses a folder link outside, and a dangling link', async () => {
    const outside = await tree({ 'a.txt': 'a' });
    const root = await tree({ 'index.html': 'x' });
    await fs.symlink(outside, join(root, 'ext'));
    expect((await codeOf(walkDirectory(root))).code).toBe('PATH_OUTSIDE_DIRECTORY');
    const root2 = await tree({ 'index.html': 'x' });
    await fs.symlink(join(root2, 'gone'), join(root2, 'dangling'));
    const broken = await codeOf(walkDirectory(root2));
    expect(broken.code).toBe('BROKEN_SYMLINK');
    expect(broken.message).toContain('dangling');
  });

  it('a missing folder, a file, an empty folder, and one with only ignored files', async () => {
    const missing = await codeOf(walkDirectory(join(base, 'nope')));
    expect(missing).toEqual({
      code: 'DIRECTORY_NOT_FOUND',
      message: expect.stringContaining(`The folder ${join(base, 'nope')} does not exist`),
    });
    const root = await tree({ 'f.txt': 'x' });
    expect((await codeOf(walkDirectory(join(root, 'f.txt')))).code).toBe('NOT_A_DIRECTORY');
    const empty = join(base, 'empty');
    await fs.mkdir(empty);
    expect((await codeOf(walkDirectory(empty))).code).toBe('EMPTY_DIRECTORY');
    const dotsOnly = await tree({ '.env': 'x', 'node_modules/a.js': 'x' });
    const e = await codeOf(walkDirectory(dotsOnly));
    expect(e.code).toBe('EMPTY_DIRECTORY');
    expect(e.message).toContain('.env');
  });

  it('a file over 25 MiB (sparse) is refused with its name and size; exactly 25 MiB passes', async () => {
    const root = await tree({ 'index.html': 'x' });
    execFileSync('truncate', ['-s', String(25 * 1024 * 1024 + 1), join(root, 'big.bin')]);
    const { code, message } = await codeOf(walkDirectory(root));
    expect(code).toBe('FILE_TOO_LARGE');
    expect(message).toContain('big.bin');
    expect(message).toContain(`${25 * 1024 * 1024 + 1} bytes`);
    execFileSync('truncate', ['-s', String(25 * 1024 * 1024), join(root, 'big.bin')]);
    const r = await walkDirectory(root);
    expect(r.files.find((f) => f.path === 'big.bin')?.size).toBe(25 * 1024 * 1024);
  });

  it('a file name the API cannot take (a backslash) is INVALID_PATH', async () => {
    const root = await tree({ 'ok.txt': 'x', 'bad\\name.txt': 'x' });
    const { code, message } = await codeOf(walkDirectory(root));
    expect(code).toBe('INVALID_PATH');
    expect(message).toContain('bad\\\\name.txt');
  });
});
