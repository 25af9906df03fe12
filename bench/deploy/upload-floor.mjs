#!/usr/bin/env node
// The upload floor: plain undici PUTting the given blobs straight to the API, 16 at a time, with
// the server's own access token. A deploy naming them is created first (not timed); then every
// blob is read from disk and PUT, and only that is timed. Prints one JSON line.
//
//   node bench/deploy/upload-floor.mjs <job.json>
//   job: { api, token, siteId, files: [{ path, source, sha256, size }] }
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';

const IN_FLIGHT = 16;
const job = JSON.parse(await readFile(process.argv[2], 'utf8'));
const dispatcher = new Agent({ connections: IN_FLIGHT });
const auth = { authorization: `Bearer ${job.token}` };

async function call(method, path, body, headers = {}) {
  const res = await request(new URL(path, job.api), {
    method,
    body,
    headers: { ...auth, ...headers },
    dispatcher,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const manifest = Object.fromEntries(job.files.map((f) => [f.path, f.sha256]));
const deploy = await call('POST', `/v1/sites/${job.siteId}/deploys`, JSON.stringify({ files: manifest }), {
  'content-type': 'application/json',
});
const started = process.hrtime.bigint();
let next = 0;
let bytes = 0;
async function worker() {
  while (next < job.files.length) {
    const file = job.files[next++];
    const body = await readFile(file.source);
    await call('PUT', `/v1/sites/${job.siteId}/deploys/${deploy.id}/blobs/${file.sha256}`, body, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    });
    bytes += body.length;
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
const ms = Number(process.hrtime.bigint() - started) / 1e6;
await dispatcher.close();
process.stdout.write(`${JSON.stringify({ ms, bytes, blobs: job.files.length })}\n`);
