// Writes THIRD_PARTY_NOTICES.md: every package the published program carries or installs, with
// its licence, and the licence texts from the packages' own files in node_modules. That is
// exactly the packages esbuild puts in the bundle (the inputs of its metafile, from the same
// build options as `npm run build`, run in memory), and the runtime dependencies left out of it
// (the keychain binding and its platform builds, as package-lock.json pins them). Run after
// changing dependencies or what src/ imports:
//
//   npm run notices
//
// test/unit/third-party-notices.test.ts fails when the checked-in file is not what this renders.
// The output is the same on every machine: licence texts come only from packages every platform
// installs (a platform build, such as @napi-rs/keyring-darwin-arm64, is installed only where it
// runs, so it is listed with its parent package's licence text).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { programOptions } from './build.mjs';

export const NOTICES_FILE = 'THIRD_PARTY_NOTICES.md';

interface LockEntry {
  version?: string;
  license?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
}

interface Row {
  name: string;
  version: string;
  license: string;
  repository: string;
  /** Set for a platform build: the package whose licence text it shares. */
  buildOf?: string;
  /** In the bundle (true), or installed beside it as a dependency. */
  bundled: boolean;
}

/** The package folders (node_modules/…, nested ones too) esbuild takes files from for the bundle. */
export async function bundledPackageDirs(root: string): Promise<string[]> {
  const { metafile } = await build({ ...programOptions(root, join(root, 'dist')), write: false });
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    // Plugins' own modules (namespace:path, such as the build's lazy-import wrappers) are no package.
    if (/^[\w-]+:/.test(input)) continue;
    const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (dir) dirs.add(dir);
  }
  return [...dirs];
}

/** A repository field as a link: "owner/repo", "git+https://….git", "git@github.com:…". */
function repositoryUrl(field: unknown): string {
  const raw = typeof field === 'string' ? field : (field as { url?: string } | undefined)?.url;
  if (!raw) return '';
  if (/^[\w.-]+\/[\w.-]+$/.test(raw)) return `https://github.com/${raw}`;
  return raw
    .replace(/^git\+/, '')
    .replace(/^git@github\.com:/, 'https://github.com/')
    .replace(/^git:\/\//, 'https://')
    .replace(/\.git$/, '');
}

/** The package's licence and notice files, in a fixed order. */
function licenceText(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
    .sort();
  if (files.length === 0) throw new Error(`${dir} has no LICENSE file: add its licence text by hand`);
  return files.map((f) => readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trim()).join('\n\n');
}

export async function renderNotices(root: string): Promise<string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const bundled = new Set(await bundledPackageDirs(root));
  // Installed with the package: the lock's runtime entries. Carried in it: what esbuild bundled.
  const entries = Object.entries(lock.packages).filter(
    ([path, e]) => path !== '' && (!e.dev || bundled.has(path)),
  );
  const missing = [...bundled].filter((dir) => !lock.packages[dir]);
  if (missing.length > 0) throw new Error(`bundled but not in package-lock.json: ${missing.join(', ')}`);
  const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const rows: Row[] = [];
  const texts = new Map<string, string[]>(); // licence text → the packages it covers
  for (const [path, entry] of entries) {
    const name = nameOf(path);
    const version = entry.version ?? '';
    if (entry.optional && (entry.os || entry.cpu)) {
      const parent = entries.find(([, e]) => e.optionalDependencies?.[name]);
      if (!parent) throw new Error(`${name}: a platform build whose parent package is not in the lock`);
      const parentName = nameOf(parent[0]);
      if (parent[1].license !== entry.license) {
        throw new Error(`${name} (${entry.license}) has another licence than ${parentName}: list it by hand`);
      }
      rows.push({
        name,
        version,
        license: entry.license ?? '',
        repository: '',
        buildOf: parentName,
        bundled: false,
      });
      continue;
    }
    const dir = join(root, path);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      license?: string;
      repository?: unknown;
    };
    const license = pkg.license ?? entry.license ?? '';
    rows.push({
      name,
      version,
      license,
      repository: repositoryUrl(pkg.repository),
      bundled: bundled.has(path),
    });
    const text = licenceText(dir);
    if (text.includes('```')) throw new Error(`${name}'s licence text holds a code fence`);
    texts.set(text, [...(texts.get(text) ?? []), `${name} ${version}`]);
  }
  rows.sort((a, b) => a.name.localeCompare(b.name, 'en'));

  const lines = [
    '# Third-party notices',
    '',
    'hostsmith-mcp runs on the npm packages below. Those marked "bundled" are carried inside its',
    'own files (dist/, built with esbuild); the others are installed beside it as dependencies',
    "(`npm install` may pick newer ones within their ranges). Each is its authors' work under the",
    'licence named; the licence texts follow.',
    '',
    'Generated by `npm run notices` (scripts/third-party-notices.ts) from what esbuild bundles,',
    "package-lock.json and the packages' own licence files; do not edit by hand.",
    '',
    '| Package | Version | Licence | How | Source |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.version} | ${r.license} | ${r.bundled ? 'bundled' : 'dependency'} | ${r.buildOf ? `platform build of ${r.buildOf}` : r.repository} |`,
    ),
    '',
    '## Licence texts',
  ];
  for (const [text, packages] of texts) {
    lines.push('', `### ${packages.join(', ')}`, '', '```text', text, '```');
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname, '..');
  writeFileSync(join(root, NOTICES_FILE), await renderNotices(root));
  console.error(`Wrote ${NOTICES_FILE}`);
}
