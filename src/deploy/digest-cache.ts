// The digest cache: what each file hashed to at its last deploy, so an unchanged file is not read
// again (./digest-rule.ts says when an entry may be trusted). One JSON file beside the profile's
// credentials (the composition root names it: commands/shared/workspace.ts), written atomically with mode 0600, at most
// MAX_ENTRIES entries (the least recently used go first). It is only ever an optimisation: a
// missing, unreadable or corrupt cache is an empty one, and a failed write is dropped — neither
// fails a deploy.
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NOFOLLOW } from '../store/guard.js';
import { replaceFile } from '../store/replace.js';
import { type DigestEntry, type FileStamp, isTrusted } from './digest-rule.js';

/** A few MB at most; a site of 20,000 files (the API's most per deploy) still fits whole. */
export const MAX_ENTRIES = 20_000;

// [sha256, size, mtimeNs, ino, dev, recordedNs, last used (ms since the epoch)]: bigints as
// strings (JSON numbers lose them), positional to keep 20,000 entries small.
type Row = [string, string, string, string, string, string, number];

const SHA256 = /^[0-9a-f]{64}$/;
const INT = /^-?\d{1,40}$/;

/**
 * Checked by hand, not by a zod schema: this file is read on every deploy, and parsing 2,000
 * rows through zod took longer than a deploy with nothing to hash is allowed to.
 */
function isRow(value: unknown): value is Row {
  if (!Array.isArray(value) || value.length !== 7 || typeof value[6] !== 'number') return false;
  if (typeof value[0] !== 'string' || !SHA256.test(value[0])) return false;
  for (let i = 1; i < 6; i++) {
    const field = value[i];
    if (typeof field !== 'string' || !INT.test(field)) return false;
  }
  return true;
}

/** The rows of a cache file's text; none unless the whole file is ours and well formed. */
function rowsOf(text: string): Map<string, Row> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('version' in parsed) || parsed.version !== 1)
    return new Map();
  const entries = 'entries' in parsed ? parsed.entries : undefined;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return new Map();
  const rows = new Map<string, Row>();
  for (const [path, row] of Object.entries(entries)) {
    if (!isRow(row)) return new Map();
    rows.set(path, row);
  }
  return rows;
}

export interface DigestCache {
  /** The digest of the file at `path` (absolute) whose stamp is `stamp`, when it may be trusted. */
  lookup(path: string, stamp: FileStamp): string | undefined;
  record(path: string, entry: DigestEntry): void;
  /** Writes the cache when something was recorded. Never throws. */
  save(): Promise<void>;
}

/** Remembers nothing: a deploy without a cache location (tests, the engine used alone). */
export const NO_DIGEST_CACHE: DigestCache = {
  lookup: () => undefined,
  record: () => {},
  save: async () => {},
};

function toRow(e: DigestEntry, usedMs: number): Row {
  return [e.sha256, `${e.size}`, `${e.mtimeNs}`, `${e.ino}`, `${e.dev}`, `${e.recordedNs}`, usedMs];
}

/** The file's rows, or none when it is missing, a link, unreadable or not ours. */
async function readRows(file: string): Promise<Map<string, Row>> {
  try {
    const handle = await open(file, constants.O_RDONLY | NOFOLLOW);
    let text: string;
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    return rowsOf(text);
  } catch {
    return new Map();
  }
}

export interface DigestCacheOptions {
  maxEntries?: number;
  /** The clock that marks entries used (ms since the epoch); Date.now by default. */
  nowMs?: () => number;
}

export async function openDigestCache(file: string, opts: DigestCacheOptions = {}): Promise<DigestCache> {
  const rows = await readRows(file);
  const maxEntries = opts.maxEntries ?? MAX_ENTRIES;
  const nowMs = opts.nowMs ?? Date.now;
  /** Paths this deploy used or recorded: they are kept first when the cache is trimmed. */
  const used = new Set<string>();
  let dirty = false;
  return {
    lookup(path, stamp) {
      const row = rows.get(path);
      if (!row) return undefined;
      // Most misses differ in size or mtime: said by comparing strings, before any BigInt is made.
      const [sha256, size, mtimeNs, ino, dev, recordedNs] = row;
      if (size !== `${stamp.size}` || mtimeNs !== `${stamp.mtimeNs}`) return undefined;
      const entry: DigestEntry = {
        sha256,
        size: stamp.size,
        mtimeNs: stamp.mtimeNs,
        ino: BigInt(ino),
        dev: BigInt(dev),
        recordedNs: BigInt(recordedNs),
      };
      if (!isTrusted(entry, stamp)) return undefined;
      used.add(path);
      return sha256;
    },
    record(path, entry) {
      rows.set(path, toRow(entry, 0));
      used.add(path);
      dirty = true;
    },
    async save() {
      if (!dirty) return;
      const now = nowMs();
      for (const path of used) {
        const row = rows.get(path);
        if (row) row[6] = now;
      }
      const kept = [...rows].sort((a, b) => b[1][6] - a[1][6]).slice(0, maxEntries);
      const text = JSON.stringify({ version: 1, entries: Object.fromEntries(kept) });
      try {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await replaceFile(file, text, { mode: 0o600 });
        dirty = false;
      } catch {
        // A cache that cannot be written is a cache that starts empty next time; the deploy stands.
      }
    },
  };
}
