// npm for the install and npx benches: a clean environment, `npm pack` of this repository (once
// per run, shared), and what an install left on disk.
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { runOk } from './process.mjs';

/** The peer both benches compare with, at a pinned version. */
export const MCP_REMOTE = 'mcp-remote@0.15.1';

const temps = [];
process.once('exit', () => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the bench process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/**
 * The environment npm and npx run in: this process's, minus the npm_* that `npm run` exported
 * (they would leak the repository's own settings), with this Node first on PATH (npx runs the
 * package with the `node` it finds), and no update notice, funding or audit round trips.
 */
export function npmEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return {
    ...env,
    PATH: [dirname(process.execPath), env.PATH ?? ''].join(delimiter),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'error',
    ...extra,
  };
}

let packed;

/**
 * `npm pack` of the repository as built (scripts skipped: run.mjs has just run `npm run build`,
 * and `prepare` would build again). Resolves { tarball, bytes, manifest } once per process.
 */
export function packOurs(root) {
  packed ??= (async () => {
    const dir = tempDir('hostsmith-bench-pack-');
    const { stdout } = await runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: root,
      env: npmEnv(),
    });
    const [info] = JSON.parse(stdout);
    const tarball = join(dir, info.filename);
    const manifest = JSON.parse((await runOk('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
    return { tarball, bytes: info.size, manifest };
  })();
  return packed;
}

/** Installed packages (each folder with a package.json under node_modules, nested too) and bytes. */
export function footprint(nodeModules) {
  let packages = 0;
  let bytes = 0;
  const walk = (dir, inNodeModules) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue; // .bin links: the files they name are counted already
      if (entry.isDirectory()) {
        // A package folder: node_modules/<name> or node_modules/@scope/<name>.
        if (inNodeModules && !entry.name.startsWith('.') && !entry.name.startsWith('@')) packages += 1;
        walk(path, entry.name === 'node_modules' || (inNodeModules && entry.name.startsWith('@')));
      } else {
        bytes += lstatSync(path).size;
      }
    }
  };
  walk(nodeModules, true);
  return { packages, bytes };
}
