// server.json (the MCP Registry entry) is written by hand except for what a build decides: the
// version everywhere, and the mcpb package's download name and sha256. `npm run mcpb` brings those
// in line with the bundle it built; the file is rewritten only when something changed, and then
// formatted by biome as the rest of the repository is.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface ServerJsonPackage {
  registryType: string;
  identifier: string;
  version?: string;
  fileSha256?: string;
}

interface ServerJson {
  version: string;
  packages?: ServerJsonPackage[];
}

export interface BundleFacts {
  version: string;
  fileName: string;
  sha256: string;
}

/** The same document with the build's version, bundle name and sha256 (a pure function). */
export function withBundle<T extends ServerJson>(doc: T, { version, fileName, sha256 }: BundleFacts): T {
  return {
    ...doc,
    version,
    packages: doc.packages?.map((p) =>
      p.registryType === 'mcpb'
        ? {
            ...p,
            version,
            // A release asset URL: …/releases/download/v<version>/<file>.
            identifier: p.identifier.replace(/\/v[^/]+\/[^/]+$/, `/v${version}/${fileName}`),
            fileSha256: sha256,
          }
        : { ...p, version },
    ),
  };
}

export function syncServerJson(file: string, facts: BundleFacts): void {
  const before = readFileSync(file, 'utf8');
  const doc = JSON.parse(before) as ServerJson;
  const next = withBundle(doc, facts);
  if (JSON.stringify(next) === JSON.stringify(doc)) return;
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', file], { stdio: 'ignore' });
}
