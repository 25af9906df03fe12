#!/usr/bin/env node
// The hash floor: plain Node hashing the given files with sha256, one reused buffer per worker,
// nothing else (no walk, no cache, no protocol). Prints one JSON line: the time of the hashing
// alone (the process start is not counted: the floor is the work), and each file's digest.
//
//   node bench/deploy/hash-floor.mjs <list.json>     (list: [absolute path, ...])
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

const BUFFER_BYTES = 256 * 1024;
const WORKERS = 4;

const paths = JSON.parse(await readFile(process.argv[2], 'utf8'));
const digests = new Array(paths.length);
const started = process.hrtime.bigint();
let next = 0;
async function worker() {
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  while (next < paths.length) {
    const i = next++;
    const hash = createHash('sha256');
    const handle = await open(paths[i], 'r');
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, BUFFER_BYTES, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    await handle.close();
    digests[i] = hash.digest('hex');
  }
}
await Promise.all(Array.from({ length: WORKERS }, worker));
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`${JSON.stringify({ ms, digests })}\n`);
