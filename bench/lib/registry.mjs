// A loopback npm registry for the first-`npx -y` bench: it serves packages that are not
// published (ours, from an `npm pack` tarball) and proxies every other request to the real
// registry, so ours and its peer are fetched the same way, through the same hop. npm rewrites
// the real registry's tarball URLs to the configured registry (its `replace-registry-host`
// default), so tarballs come through here too.
//
// Fairness: a local answer would skip the network that every proxied answer crosses. So before
// serving, the registry measures the upstream's time to first byte for a packument a few times
// and holds each local answer back by that median.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { median } from './stats.mjs';

const UPSTREAM = new URL('https://registry.npmjs.org/');

/** Headers that describe one hop's connection, never forwarded. */
const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/**
 * Start it on 127.0.0.1. `tarballs`: paths of `npm pack` outputs to serve (their package.json
 * read from inside the tarball is given alongside as `manifest`).
 * Returns { url, localDelayMs, proxied(), close() }.
 */
export async function startRegistry({ packages, probe = 'mcp-remote' }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const local = new Map(); // path → { body, type }
  let proxiedCount = 0;
  // Set from the probe below, before anyone is told the URL.
  let localDelayMs = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const hit = local.get(decodeURIComponent(path));
    if (hit) {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': hit.type, 'content-length': hit.body.length });
        res.end(req.method === 'HEAD' ? undefined : hit.body);
      }, localDelayMs);
      return;
    }
    proxiedCount += 1;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k)));
    const up = httpsRequest(
      new URL(req.url.replace(/^\//, ''), UPSTREAM),
      { method: req.method, headers, agent },
      (answer) => {
        const out = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP.has(k)));
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    up.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench registry: the upstream failed: ${error.message}`);
    });
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;

  for (const { tarball, manifest } of packages) {
    const bytes = readFileSync(tarball);
    const file = `${manifest.name}/-/${basename(manifest.name)}-${manifest.version}.tgz`;
    const version = {
      ...manifest,
      _id: `${manifest.name}@${manifest.version}`,
      dist: {
        tarball: `${url}${file}`,
        shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    };
    const packument = {
      _id: manifest.name,
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: { [manifest.version]: version },
      time: { [manifest.version]: new Date().toISOString() },
    };
    local.set(`/${manifest.name}`, {
      body: Buffer.from(JSON.stringify(packument)),
      type: 'application/json',
    });
    local.set(`/${file}`, { body: bytes, type: 'application/octet-stream' });
  }

  localDelayMs = await upstreamFirstByteMs(agent, probe);
  return {
    url,
    localDelayMs,
    proxied: () => proxiedCount,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

/** Median time to the first byte of a packument from the real registry, over three fetches. */
async function upstreamFirstByteMs(agent, name) {
  const times = [];
  for (let i = 0; i < 3; i++) {
    times.push(
      await new Promise((resolve, reject) => {
        const t = process.hrtime.bigint();
        const req = httpsRequest(
          new URL(name, UPSTREAM),
          { agent, headers: { accept: 'application/vnd.npm.install-v1+json' } },
          (res) => {
            const ms = Number(process.hrtime.bigint() - t) / 1e6;
            res.resume();
            res.on('end', () => resolve(ms));
          },
        );
        req.on('error', (error) =>
          reject(new Error(`The bench registry cannot reach ${UPSTREAM.href}: ${error.message}`)),
        );
        req.end();
      }),
    );
  }
  return median(times);
}
