// `npm run build`: the published program as one esbuild bundle in dist/, split into chunks so
// that what only a tool call needs (undici, openid-client, the store and keychain, the deploy
// code, `open`) is a separate file loaded on first use, through the program's own dynamic
// imports. Every JavaScript dependency is bundled, except the keychain binding (native: it stays
// a real dependency, resolved at run time). No source maps: they would only grow the package.
// scripts/third-party-notices.ts runs the same options (in memory) to learn which packages the
// bundle holds, and bench/startup.bench.mjs bundles baseline (c) with the same esbuild.
//
//   node scripts/build.mjs            (what `npm run build` runs)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
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

/** The build's own files: ignored by git and biome, and never published. */
const BUILD_CACHE = 'node_modules/.cache/hostsmith-mcp-build';
/** esbuild's metafile of the last `npm run build`. */
export const METAFILE = `${BUILD_CACHE}/meta.json`;

const REQUIRE_BANNER =
  "import { createRequire as __hostsmithCreateRequire } from 'node:module'; const require = __hostsmithCreateRequire(import.meta.url);";

/** The JSON Schema target the SDK asks zod for in tools/list (its JSON_SCHEMA_CONVERSION_TARGET). */
const SDK_TARGET = 'draft-2020-12';

/**
 * Every tool's input and output JSON Schema, converted now by the program's own code and zod
 * (src/mcp/built-schemas.ts says why): the tools are bundled alone into node_modules/.cache/,
 * imported, and asked.
 */
export async function toolSchemas(root) {
  const dir = join(root, BUILD_CACHE);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `tool-schemas-${process.pid}.mjs`);
  await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    stdin: {
      contents: `export { ALL_TOOLS } from './src/mcp/tools/index.ts';
export { jsonSchemaOf } from './src/mcp/built-schemas.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile: file,
    external: EXTERNAL,
  });
  try {
    const { ALL_TOOLS, jsonSchemaOf } = await import(pathToFileURL(file).href);
    return Object.fromEntries(
      ALL_TOOLS.map((tool) => [
        tool.name,
        {
          target: SDK_TARGET,
          input: jsonSchemaOf(tool.inputSchema, 'input', SDK_TARGET),
          output: jsonSchemaOf(tool.outputSchema, 'output', SDK_TARGET),
        },
      ]),
    );
  } finally {
    rmSync(file, { force: true });
  }
}

/** Puts `schemas` in src/mcp/built-schemas-data.ts, as JSON text (V8 parses it faster than code). */
function builtSchemasPlugin(schemas) {
  return {
    name: 'built-schemas',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]mcp[\\/]built-schemas-data\.ts$/ }, () => ({
        contents: `export const BUILT_SCHEMAS = JSON.parse(${JSON.stringify(JSON.stringify(schemas))});`,
        loader: 'js',
      }));
    },
  };
}

/** `file` as an import specifier from the root ("./src/…", forward slashes on every platform). */
function fromRoot(root, file) {
  return `./${relative(root, file).split(sep).join('/')}`;
}

/** What runs before `serve` answers tools/list: the CLI, and the stdio server's closure. */
const STARTUP = ['src/cli/main.ts', 'src/commands/serve/run.ts'];

/**
 * One chunk for everything the server needs at start. esbuild puts code into a chunk per set of
 * entry points that reach it, and every lazily imported module of src/ is an entry point: so the
 * start was 15 files, one per such set, and loading a file costs (measured: one file for the same
 * code started ×0.92 the time). Here each of src/'s dynamic imports reaches the start's closure
 * too, through a wrapper that imports it: all of that closure then has one set, one chunk. The
 * lazy modules still get chunks of their own for what only they use.
 */
function startupChunkPlugin(root) {
  const startup = STARTUP.map((file) => `./${file}`);
  return {
    name: 'startup-chunk',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.namespace !== 'file') return undefined;
        if (!args.importer.startsWith(join(root, 'src'))) return undefined;
        const resolved = await b.resolve(args.path, {
          kind: 'import-statement',
          resolveDir: args.resolveDir,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        // A package (`open`) is used through its default export, which `export *` leaves out.
        // Paths relative to the root: a plugin namespace's path goes into the chunks' hashes as
        // it is, and an absolute one gave other file names (and another .mcpb sha256) per clone.
        return {
          path: fromRoot(root, resolved.path),
          namespace: 'lazy',
          pluginData: { pkg: !args.path.startsWith('.') },
        };
      });
      b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
        contents: [
          ...startup.map((file) => `import ${JSON.stringify(file)};`),
          `export * from ${JSON.stringify(args.path)};`,
          ...(args.pluginData.pkg ? [`export { default } from ${JSON.stringify(args.path)};`] : []),
        ].join('\n'),
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/**
 * The program's entry: src/cli/main.ts, which also imports serve's closure statically (in the
 * bundle only; from source `serve` stays a dynamic import). Without it the start was two chunks:
 * main.ts's closure, then, once main() ran, serve's through a dynamic import, compiled only
 * then. One chunk for both: ~1–2% fewer instructions to tools/list (valgrind; a first, noisy
 * timing said more). The other commands (login, status, …) now evaluate the SDK too before they
 * run; `serve` is what hosts start, twice per connection.
 */
function startupEntryPlugin(root) {
  return {
    name: 'startup-entry',
    setup(b) {
      b.onResolve({ filter: /^startup-entry$/ }, () => ({ path: 'cli/main', namespace: 'entry' }));
      b.onLoad({ filter: /.*/, namespace: 'entry' }, () => ({
        contents: [
          ...STARTUP.map((file) => `import ${JSON.stringify(`./${file}`)};`),
          `export * from ${JSON.stringify(`./${STARTUP[0]}`)};`,
        ].join('\n'),
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/**
 * The SDK's ajvProvider module runs all of ajv when it loads (three engines' modules and
 * ajv-formats: four top-level requires), though it builds an engine only when a JSON Schema is
 * checked; in this server that is a form elicitation's answer (a confirmation), mid-call, never
 * before tools/list. That load was ~50–60 M of ~625 M instructions of spawn → tools/list (valgrind,
 * Node 20): the largest single part of the start. The bundle turns those four requires into
 * getters that require on first use, so the first check loads ajv instead. Only the text below
 * is changed, and the build fails if the SDK's text no longer matches (a new SDK: look again).
 * Its `Ajv` and `addFormats` exports stay unread: only validators/ajv.mjs re-exports them, which
 * the bundle must then not hold.
 */
const AJV_PROVIDER = /[\\/]@modelcontextprotocol[\\/]server[\\/]dist[\\/]ajvProvider-[\w-]+\.mjs$/;
const AJV_PATCHES = [
  ['var import_ajv = require_ajv();', 'var import_ajv = { get Ajv() { return require_ajv().Ajv; } };'],
  [
    'var import__2019 = require__2019();',
    'var import__2019 = { get Ajv2019() { return require__2019().Ajv2019; } };',
  ],
  [
    'var import__2020 = require__2020();',
    'var import__2020 = { get Ajv2020() { return require__2020().Ajv2020; } };',
  ],
  [
    'var import_dist = /* @__PURE__ */ __toESM(require_dist(), 1);',
    'var import_dist = { get default() { return __toESM(require_dist(), 1).default; } };',
  ],
  ['const addFormats = import_dist.default;', 'const addFormats = (ajv) => import_dist.default(ajv);'],
  ['const Ajv = import_ajv.Ajv;', 'const Ajv = undefined;'],
];

export function lazyAjvPlugin() {
  return {
    name: 'lazy-ajv',
    setup(b) {
      b.onLoad({ filter: AJV_PROVIDER }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to] of AJV_PATCHES) {
          if (text.split(from).length !== 2)
            throw new Error(`lazy-ajv: ${args.path} no longer holds "${from}" once: the SDK changed`);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
      b.onLoad(
        { filter: /[\\/]@modelcontextprotocol[\\/]server[\\/]dist[\\/]validators[\\/]ajv\.mjs$/ },
        () => ({
          errors: [
            { text: 'lazy-ajv: validators/ajv re-exports Ajv and addFormats, which the patch leaves unset' },
          ],
        }),
      );
    },
  };
}

/** The esbuild options for the program from `root`, into `outdir` (`schemas`: toolSchemas's). */
export function programOptions(root, outdir, schemas) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: { 'cli/main': 'startup-entry' },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    external: EXTERNAL,
    // src/version.ts reads package.json when run from source; the bundle carries the version.
    define: { HOSTSMITH_MCP_VERSION: JSON.stringify(version) },
    // CommonJS packages in the bundle (undici) require Node's modules; esbuild's ESM output can
    // only do that through a `require` in scope.
    banner: { js: REQUIRE_BANNER },
    plugins: [
      startupEntryPlugin(root),
      startupChunkPlugin(root),
      lazyAjvPlugin(),
      ...(schemas ? [builtSchemasPlugin(schemas)] : []),
    ],
    metafile: true,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname, '..');
  // Empty first, so a chunk of an earlier build cannot linger and end up in the package.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const { metafile } = await build(programOptions(root, join(root, 'dist'), await toolSchemas(root)));
  // Which chunk holds what, for test/e2e/startup-modules.test.ts (outside dist/: not published).
  mkdirSync(join(root, BUILD_CACHE), { recursive: true });
  // Replaced, not written over: a worktree's node_modules may be a hard-linked copy, and writing
  // into the shared file would hand every worktree this build's metafile.
  rmSync(join(root, METAFILE), { force: true });
  writeFileSync(join(root, METAFILE), JSON.stringify(metafile));
}
