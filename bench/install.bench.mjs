// Install footprint: `npm pack` of ours, then `npm install <tarball> --omit=dev` into an empty
// folder, versus mcp-remote installed the same way (from the registry) in the same run: how many
// packages landed in node_modules and how many bytes they hold (file sizes, as `du -b` counts).
// Both installs read the machine's npm cache (--prefer-offline): the footprint does not depend
// on where the bytes came from, and a fresh machine simply downloads them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { footprint, MCP_REMOTE, npmEnv, packOurs, tempDir } from './lib/npm.mjs';
import { runOk } from './lib/process.mjs';
import { figure } from './lib/stats.mjs';

export const title = 'Install footprint';

async function installInto(spec, name) {
  const dir = tempDir(`hostsmith-bench-install-${name}-`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bench-${name}`, private: true }));
  await runOk('npm', ['install', spec, '--omit=dev', '--prefer-offline', '--no-package-lock'], {
    cwd: dir,
    env: npmEnv(),
  });
  return footprint(join(dir, 'node_modules'));
}

export async function run({ root }) {
  // Smoke and full runs are the same: one install each is the whole measurement.
  const ours = await packOurs(root);
  const [mine, peer] = await Promise.all([
    installInto(ours.tarball, 'ours'),
    installInto(MCP_REMOTE, 'peer'),
  ]);
  const one = (value) => ({ median: value, p90: value, p99: value, samples: 1 });
  const MB = 1e6;
  return [
    figure({
      id: 'install.packages',
      label: 'installed packages (npm install <tarball> --omit=dev)',
      unit: 'packages',
      summary: one(mine.packages),
      baseline: { label: MCP_REMOTE, median: peer.packages },
      target: { max: 3, of: 'value' },
    }),
    figure({
      id: 'install.bytes',
      label: 'bytes on disk in node_modules',
      unit: 'MB',
      summary: one(mine.bytes / MB),
      baseline: { label: MCP_REMOTE, median: peer.bytes / MB },
      target: { max: 0.8, of: 'ratio' },
    }),
    figure({
      id: 'install.tarball',
      label: 'packed tarball (npm pack)',
      unit: 'MB',
      summary: one(ours.bytes / MB),
    }),
  ];
}
