// `npm run build`: the published program as one esbuild bundle in dist/, split into chunks so
// that what only a tool call needs (undici, openid-client, the store and keychain, the deploy
// code, `open`) is a separate file loaded on first use, through the program's own dynamic
// imports. Every JavaScript dependency is bundled, except the keychain binding (native: it stays
// a real dependency, resolved at run time). No source maps: they would only grow the package.
// scripts/third-party-notices.ts runs the same options (in memory) to learn which packages the
// bundle holds, and bench/startup.bench.mjs bundles baseline (c) with the same esbuild.
//
//   node scripts/build.mjs            (what `npm run build` runs)
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Packages left out of the bundle: they must be runtime `dependencies` of the package. */
export const EXTERNAL = ['@napi-rs/keyring'];

/** How this project bundles: the program, and the bench's baseline (c) alike. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  // Whitespace and syntax only: less to parse at every start, and error stacks keep their names.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/** The esbuild options for the program from `root`, into `outdir`. */
export function programOptions(root, outdir) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: { 'cli/main': 'src/cli/main.ts' },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    external: EXTERNAL,
    // src/version.ts reads package.json when run from source; the bundle carries the version.
    define: { HOSTSMITH_MCP_VERSION: JSON.stringify(version) },
    metafile: true,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname, '..');
  // Empty first, so a chunk of an earlier build cannot linger and end up in the package.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await build(programOptions(root, join(root, 'dist')));
}
