#!/usr/bin/env node
// Deploy: deploy_directory through the built server over stdio (signed in against a sandbox of
// its own), on a generated site of 2,000 files / 100 MiB (sizes 200 B–5 MiB; smoke: 20 files /
// 512 KiB, 5 changed), against floors measured in the same run, interleaved, on the same files:
//   hash floor   — bench/deploy/hash-floor.mjs: plain sha256 of the files, a reused buffer per worker
//   upload floor — bench/deploy/upload-floor.mjs: the blobs PUT 16 at a time with undici and the
//                  server's own token, straight to the sandbox
// Figures (each deploy's wall time is the tool call's, as the client sees it):
//   first deploy        ≤ 1.1 × (hash floor + upload floor)
//   after 20 changes    ≤ 1.1 × hash floor + the upload floor of those 20 (and exactly their bytes)
//   nothing changed     ≤ 0.3 × hash floor
//   server peak RSS     ≤ 120 MiB (VmHWM of the server process after every deploy; it started
//                       signed in: the sign-in ran in a server of its own)
// Each iteration is a fresh site with fresh bytes (a new seed), so the first deploy sends all.
// The bench starts a sandbox of its own (bench/deploy/parts.mjs) and does not use the harness's:
// its hundreds of MiB of blobs and its sites must not weigh on the sandbox other benches time.
// The 20 changed files are dated 5 s before the deploy (edited, then deployed), so the digest
// cache's 2 s rule does not make the "nothing changed" runs read them again.
//
//   node bench/deploy.bench.mjs [--smoke]     (after npm run build)
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  median,
  peakRssMiB,
  percentile,
  runFloor,
  startSandbox,
  startServer,
  storedToken,
} from './deploy/parts.mjs';
import { changeFiles, FULL, generateSite, SMOKE } from './deploy/site.mjs';

export const title = 'Deploy';

const HERE = dirname(fileURLToPath(import.meta.url));

function figure(id, label, unit, samples, baseline, target) {
  const med = median(samples);
  const ratio = baseline ? med / baseline.median : undefined;
  const value = target?.of === 'value' ? med : ratio;
  return {
    id,
    label,
    unit,
    median: med,
    p90: percentile(samples, 0.9),
    p99: percentile(samples, 0.99),
    samples: samples.length,
    baseline,
    ratio,
    target,
    met: target ? ('max' in target ? value <= target.max : value >= target.min) : undefined,
  };
}

function expect(what, actual, wanted) {
  if (actual !== wanted) throw new Error(`deploy bench: ${what} was ${actual}, expected ${wanted}`);
}

export async function run({ smoke = false, root = join(HERE, '..') } = {}) {
  const spec = smoke ? SMOKE : FULL;
  const iterations = smoke ? 1 : 3;
  const unchangedRuns = smoke ? 1 : 3;
  const changedCount = smoke ? 5 : 20;
  const tmp = await mkdtemp(join(tmpdir(), 'bench-deploy-'));
  const sandbox = await startSandbox(root);
  const configDir = join(tmp, 'config');
  let server;
  const t = { first: [], changed: [], unchanged: [], hash: [], upload: [], upload20: [] };
  try {
    // Signed in once by a server of its own (sign-in has its own memory cost, not the deploy's);
    // the measured server starts already signed in, as most server starts do.
    const signIn = await startServer(root, { api: sandbox.api, configDir });
    await signIn.call('list_sites', {});
    await signIn.close();
    const token = await storedToken(configDir);
    server = await startServer(root, { api: sandbox.api, configDir });
    const site = async (name) => (await server.call('create_site', { name })).out.id;

    for (let i = 0; i < iterations; i++) {
      const dir = join(tmp, `site-${i}`);
      const files = await generateSite(dir, spec, 1000 + i);
      const total = files.reduce((sum, f) => sum + f.size, 0);
      const listFile = join(tmp, 'list.json');
      await writeFile(listFile, JSON.stringify(files.map((f) => f.source)));
      const [siteId, floorSite] = [
        await site(`bench-${i}-${process.pid}`),
        await site(`floor-${i}-${process.pid}`),
      ];

      const hashed = await runFloor(join(HERE, 'deploy/hash-floor.mjs'), listFile);
      t.hash.push(hashed.ms);

      const first = await server.call('deploy_directory', { site_id: siteId, directory: dir });
      expect('files uploaded by the first deploy', first.out.filesUploaded, files.length);
      expect('bytes uploaded by the first deploy', first.out.bytesUploaded, total);
      t.first.push(first.ms);

      const uploadJob = async (list) => {
        const job = join(tmp, 'job.json');
        await writeFile(job, JSON.stringify({ api: sandbox.api, token, siteId: floorSite, files: list }));
        return runFloor(join(HERE, 'deploy/upload-floor.mjs'), job);
      };
      const all = files.map((f, k) => ({ ...f, sha256: hashed.digests[k] }));
      t.upload.push((await uploadJob(all)).ms);

      const changed = await changeFiles(files, changedCount, 5000 + i);
      const changedBytes = changed.reduce((sum, f) => sum + f.size, 0);
      const after = await server.call('deploy_directory', { site_id: siteId, directory: dir });
      expect('files uploaded after the changes', after.out.filesUploaded, changed.length);
      expect('bytes uploaded after the changes', after.out.bytesUploaded, changedBytes);
      t.changed.push(after.ms);
      const digest = async (f) =>
        createHash('sha256')
          .update(await readFile(f.source))
          .digest('hex');
      const changedJob = await Promise.all(changed.map(async (f) => ({ ...f, sha256: await digest(f) })));
      t.upload20.push((await uploadJob(changedJob)).ms);

      for (let k = 0; k < unchangedRuns; k++) {
        const again = await server.call('deploy_directory', { site_id: siteId, directory: dir });
        expect('files uploaded with nothing changed', again.out.filesUploaded, 0);
        t.unchanged.push(again.ms);
      }
      await rm(dir, { recursive: true, force: true });
    }
    const rss = await peakRssMiB(server.pid);

    const size = `${spec.files.toLocaleString('en')} files / ${spec.totalBytes / 1024 / 1024} MiB`;
    const hashFloor = median(t.hash);
    const figures = [
      figure(
        'deploy.first',
        `first deploy, ${size}`,
        'ms',
        t.first,
        { label: 'hash floor + 16-way upload floor', median: hashFloor + median(t.upload) },
        { max: 1.1, of: 'ratio' },
      ),
      figure(
        'deploy.changed20',
        `after changing ${changedCount} files (uploads exactly their bytes)`,
        'ms',
        t.changed,
        { label: '1.1 × hash floor + their upload floor', median: 1.1 * hashFloor + median(t.upload20) },
        { max: 1.0, of: 'ratio' },
      ),
      figure(
        'deploy.unchanged',
        'nothing changed',
        'ms',
        t.unchanged,
        { label: 'hash floor', median: hashFloor },
        { max: 0.3, of: 'ratio' },
      ),
    ];
    if (rss !== undefined) {
      figures.push(
        figure('deploy.peak_rss', 'server peak RSS over the deploys', 'MiB', [rss], undefined, {
          max: 120,
          of: 'value',
        }),
      );
    }
    return figures;
  } finally {
    await server?.close().catch(() => {});
    await sandbox.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await run({ smoke: process.argv.includes('--smoke') });
  for (const f of figures) {
    const base = f.baseline
      ? ` vs ${f.baseline.label} ${f.baseline.median.toFixed(1)} → ×${f.ratio.toFixed(2)}`
      : '';
    const target = f.target ? ` (target ${f.target.of} ≤ ${f.target.max}: ${f.met ? 'met' : 'NOT met'})` : '';
    console.log(
      `${f.label}: ${f.median.toFixed(1)} ${f.unit} (p90 ${f.p90.toFixed(1)}, n=${f.samples})${base}${target}`,
    );
  }
  console.log(JSON.stringify(figures));
}
