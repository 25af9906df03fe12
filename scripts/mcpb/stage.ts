// Lays out what goes into a bundle, in a folder: the files `npm pack` would publish (bin/, dist/,
// package.json, README, LICENSE, notices), and node_modules holding the production packages the
// lock pins — as `npm install --omit=dev` of the tarball would — plus the native builds asked for.
// The portable packages come from this checkout's node_modules (the lock pins them, so they are
// the same files npm would install); other platforms' native builds are fetched once with
// `npm pack` from the registry, checked against the lock's integrity, and cached.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type LockPackages, packageName, portablePaths } from './platforms.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The files `npm pack` would put in the tarball, relative to the root. */
export function packedFiles(root: string): string[] {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  const [{ files }] = JSON.parse(out.slice(out.indexOf('['))) as [{ files: Array<{ path: string }> }];
  return files.map((f) => f.path);
}

/** Files `mcpb pack` leaves out anyway (MCPB_IGNORE and its own *.map): not worth copying. */
const NOT_PACKED = /\.([cm]?ts|map)$/;

/** One package folder without its own nested node_modules (those are lock entries of their own). */
function copyPackage(from: string, to: string): void {
  const nested = join(from, 'node_modules');
  cpSync(from, to, { recursive: true, filter: (src) => src !== nested && !NOT_PACKED.test(src) });
}

function sha512(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The tarballs of these lock entries, in `cacheDir`: fetched with one `npm pack` for those not
 * there yet. A tarball whose sha512 is not the lock's integrity is refused.
 */
export function cachedTarballs(lock: LockPackages, paths: string[], cacheDir: string): Map<string, string> {
  mkdirSync(cacheDir, { recursive: true });
  const tarball = (path: string) => {
    const name = packageName(path);
    return join(cacheDir, `${name.replace(/^@/, '').replace('/', '-')}-${lock[path]?.version}.tgz`);
  };
  const missing = paths.filter((path) => !existsSync(tarball(path)));
  if (missing.length > 0) {
    const specs = missing.map((path) => `${packageName(path)}@${lock[path]?.version}`);
    execFileSync(npm, ['pack', '--silent', '--pack-destination', cacheDir, ...specs], {
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
  }
  const found = new Map<string, string>();
  for (const path of paths) {
    const file = tarball(path);
    const want = lock[path]?.integrity;
    if (!existsSync(file)) throw new Error(`npm pack did not leave ${file}; is the npm registry reachable?`);
    if (want && sha512(file) !== want) {
      throw new Error(`${file} does not match package-lock.json's integrity; delete it and build again.`);
    }
    found.set(path, file);
  }
  return found;
}

/**
 * What `mcpb pack` leaves out besides its own list (which has *.d.ts and *.map): type declarations
 * of the other kinds and TypeScript sources that dependencies ship. Node never loads them.
 */
export const MCPB_IGNORE = ['*.ts', '*.cts', '*.mts'];

export interface StageOptions {
  root: string;
  dir: string;
  lock: LockPackages;
  /** The native builds to carry (lock paths). */
  natives: string[];
  cacheDir: string;
}

export function stage({ root, dir, lock, natives, cacheDir }: StageOptions): void {
  writeFileSync(join(dir, '.mcpbignore'), `${MCPB_IGNORE.join('\n')}\n`);
  for (const file of packedFiles(root)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  for (const path of portablePaths(lock)) {
    if (!existsSync(join(root, path))) {
      throw new Error(`${path} is in package-lock.json but not installed: run npm ci first.`);
    }
    copyPackage(join(root, path), join(dir, path));
  }
  const absent = natives.filter((path) => !existsSync(join(root, path)));
  const tarballs = cachedTarballs(lock, absent, cacheDir);
  for (const path of natives) {
    const target = join(dir, path);
    mkdirSync(target, { recursive: true });
    const file = tarballs.get(path);
    if (file) execFileSync('tar', ['-xzf', file, '-C', target, '--strip-components=1']);
    else copyPackage(join(root, path), target);
  }
}
