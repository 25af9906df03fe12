// `npm run mcpb`: the Claude Desktop bundle, dist-mcpb/hostsmith-mcp-<version>.mcpb, beside its
// sha256 (<bundle>.sha256, as sha256sum prints it), and server.json's mcpb entry brought to that
// version and sha256. Needs a built dist/ (`npm run mcpb` builds first).
//
//   tsx scripts/mcpb/build.ts            the bundle we ship: every platform's keychain binary
//   tsx scripts/mcpb/build.ts --measure  also one bundle per platform, and prints the sizes
//   tsx scripts/mcpb/build.ts --keep-server-json   leaves server.json as committed (the test
//                                        command: a test then checks it names this very bundle)
//
// Steps: stage the published files and production node_modules in a temp folder (stage.ts), ask
// the staged server for its tools (catalogue.ts), write manifest.json (manifest.ts), `mcpb
// validate`, `mcpb pack`, then fix the zip's timestamps so that the same files give the same bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CatalogueTool, toolCatalogue } from './catalogue.js';
import { buildManifest, type PackageJson } from './manifest.js';
import { bundleFileName, type LockPackages, nativePathsFor, PLATFORMS, type Platform } from './platforms.js';
import { syncServerJson } from './server-json.js';
import { stage } from './stage.js';
import { fixZipTimes } from './zip-times.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUT_DIR = join(ROOT, 'dist-mcpb');
// Other platforms' keychain builds, per machine and outside the repository, so that `npm ci`
// (which empties node_modules) does not send every CI run back to the registry for them.
const CACHE_DIR = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'hostsmith-mcp-build/natives',
);

/** The mcpb CLI of our pinned devDependency, run with this Node. */
function mcpb(args: string[]): void {
  // Its "exports" hide package.json: read it where npm installs it.
  const pkgFile = join(ROOT, 'node_modules/@anthropic-ai/mcpb/package.json');
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: string | Record<string, string> };
  const cli = join(dirname(pkgFile), typeof bin === 'string' ? bin : (bin.mcpb ?? ''));
  try {
    execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`mcpb ${args[0]} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

export interface BuiltBundle {
  file: string;
  bytes: number;
  sha256: string;
  tools: CatalogueTool[];
}

async function buildOne(
  pkg: PackageJson,
  lock: LockPackages,
  platforms: readonly Platform[],
  fileName: string,
  tools?: CatalogueTool[],
): Promise<BuiltBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'hostsmith-mcpb-stage-'));
  try {
    const natives = [...new Set(platforms.flatMap((p) => nativePathsFor(lock, p)))].sort();
    stage({ root: ROOT, dir, lock, natives, cacheDir: CACHE_DIR });
    const entry = Object.values(pkg.bin)[0] ?? '';
    const listed = tools ?? (await toolCatalogue(join(dir, entry)));
    const manifestFile = join(dir, 'manifest.json');
    writeFileSync(manifestFile, `${JSON.stringify(buildManifest(pkg, listed, platforms), null, 2)}\n`);
    mcpb(['validate', manifestFile]);
    const file = join(OUT_DIR, fileName);
    mcpb(['pack', dir, file]);
    const zip = fixZipTimes(readFileSync(file));
    writeFileSync(file, zip);
    const sha256 = createHash('sha256').update(zip).digest('hex');
    return { file, bytes: zip.length, sha256, tools: listed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function buildBundles({ measure = false, syncServer = true } = {}): Promise<BuiltBundle> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const lock = (
    JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: LockPackages }
  ).packages;
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });

  const fileName = bundleFileName(pkg.name, pkg.version);
  const bundle = await buildOne(pkg, lock, PLATFORMS, fileName);
  writeFileSync(`${bundle.file}.sha256`, `${bundle.sha256}  ${fileName}\n`);
  if (syncServer) {
    syncServerJson(join(ROOT, 'server.json'), { version: pkg.version, fileName, sha256: bundle.sha256 });
  }
  console.error(`${fileName}: ${mib(bundle.bytes)}, sha256 ${bundle.sha256}`);

  if (measure) {
    // (a) one bundle per platform, against (b) the one above that carries every platform's binary.
    let total = 0;
    for (const platform of PLATFORMS) {
      const one = await buildOne(
        pkg,
        lock,
        [platform],
        bundleFileName(pkg.name, pkg.version, platform),
        bundle.tools,
      );
      total += one.bytes;
      console.error(`${platform}: ${mib(one.bytes)} (${one.bytes} bytes)`);
    }
    console.error(
      `per-platform total ${mib(total)}; one bundle for all: ${mib(bundle.bytes)} (${bundle.bytes} bytes)`,
    );
  }
  return bundle;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildBundles({
    measure: process.argv.includes('--measure'),
    syncServer: !process.argv.includes('--keep-server-json'),
  });
}
