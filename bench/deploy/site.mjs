// A deterministic static site for the deploy bench: `files` files totalling exactly `totalBytes`,
// sizes from `minBytes` to `maxBytes` (most small, a few large, as a real site's pages, styles,
// scripts and images are), in nested folders, with bytes from an AES-CTR keystream of the seed.
// Written with mtimes a minute in the past: a site built before it is deployed (see the digest
// cache's 2 s rule in src/deploy/digest-rule.ts).
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const FULL = { files: 2000, totalBytes: 100 * 1024 * 1024, minBytes: 200, maxBytes: 5 * 1024 * 1024 };
export const SMOKE = { files: 20, totalBytes: 512 * 1024, minBytes: 200, maxBytes: 256 * 1024 };

/** mulberry32: a small seeded PRNG, [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pseudo-random bytes: the keystream of AES-128-CTR under a key made from the seed and a label. */
export function bytesOf(seed, label, size) {
  const key = createHash('sha256').update(`${seed}:${label}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(size));
}

/** The sizes: one of minBytes, one of maxBytes, the rest log-uniform up to maxBytes/24, and a few large ones taking up the rest. */
export function sizesFor(spec, seed) {
  const rand = prng(seed);
  const { files, totalBytes, minBytes, maxBytes } = spec;
  const large = Math.max(2, Math.round(files * 0.006));
  const smallMax = Math.max(minBytes * 2, Math.floor(maxBytes / 24));
  const sizes = [minBytes];
  for (let i = 1; i < files - large; i++) {
    sizes.push(Math.round(minBytes * (smallMax / minBytes) ** rand()));
  }
  sizes.push(maxBytes);
  const rest = totalBytes - sizes.reduce((a, b) => a + b, 0);
  const each = Math.floor(rest / (large - 1));
  if (each < minBytes || each > maxBytes) throw new Error(`site spec cannot hold ${totalBytes} bytes`);
  for (let i = 0; i < large - 1; i++) sizes.push(i === 0 ? rest - each * (large - 2) : each);
  // Shuffled, so large files sit among the small ones.
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }
  return sizes;
}

const EXTENSIONS = ['html', 'css', 'js', 'png', 'jpg', 'woff2', 'json', 'svg'];

/** Writes the site under `root`; answers its files: { path (site path), source, size }. */
export async function generateSite(root, spec, seed) {
  const sizes = sizesFor(spec, seed);
  const files = sizes.map((size, i) => {
    const path = `section-${i % 16}/part-${i % 5}/file-${i}.${EXTENSIONS[i % EXTENSIONS.length]}`;
    return { path, source: join(root, path), size };
  });
  const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  for (const file of files) {
    await mkdir(dirname(file.source), { recursive: true });
    await writeFile(file.source, bytesOf(seed, file.path, file.size));
    await utimes(file.source, past, past);
  }
  return files;
}

/** Rewrites `count` files spread over the site, same sizes, new bytes; answers them. */
export async function changeFiles(files, count, seed) {
  const step = Math.floor(files.length / count);
  const changed = Array.from({ length: count }, (_, i) => files[i * step + (step > 1 ? 1 : 0)]);
  // Edited a few seconds before the deploy, as a person edits, then deploys.
  const edited = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
  for (const file of changed) {
    await writeFile(file.source, bytesOf(seed, `changed:${file.path}`, file.size));
    await utimes(file.source, edited, edited);
  }
  return changed;
}
