// Walking a local folder: the ignore rule, symlinks inside and outside, and every folder error
// with its stable code and a message that names the culprit.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployError } from '../../src/deploy/errors.js';
import { isIgnoredName, walkDirectory } from '../../src/deploy/walk.js';

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

  it('the ignore rule by name', () => {
    expect(isIgnoredName('.git')).toBe(true);
    expect(isIgnoredName('.well-known')).toBe(false);
    expect(isIgnoredName('node_modules')).toBe(true);
    expect(isIgnoredName('index.html')).toBe(false);
    expect(isIgnoredName('a.b')).toBe(false);
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
