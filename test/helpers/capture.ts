// Everything a test file captured from the processes it ran (protocol messages, stderr, stdout of
// commands), so that afterAll can scan it for every secret the sandbox issued or received; and
// the wider scan an adversarial file runs: those texts plus every file its processes could write.
//
//   await expectNoSecretsLeaked({ sandbox, dirs: [home, tmp], exclude: [storeFile] });
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { IssuedSecrets } from '../../sandbox/types.js';

export const captured: string[] = [];

const messagesSeen = new Set<string>();

/**
 * Captures one protocol message, once: a load test repeats the same few answers thousands of
 * times, and scanning every copy would cost minutes. The JSON-RPC id is left out of the
 * comparison (it is the client's own counter, never a secret).
 */
export function captureMessage(message: object): void {
  const { id: _id, ...rest } = message as { id?: unknown };
  const text = JSON.stringify(rest);
  if (messagesSeen.has(text)) return;
  messagesSeen.add(text);
  captured.push(text);
}

function allOf(secrets: IssuedSecrets): string[] {
  return [
    ...secrets.accessTokens,
    ...secrets.refreshTokens,
    ...secrets.authorizationCodes,
    ...secrets.codeVerifiers,
  ];
}

/** Names a secret without showing it. */
const hint = (secret: string) => `${secret.slice(0, 4)}…(${secret.length} chars)`;

/** Asserts the sandbox issued secrets at all, and that none of them shows up in `texts`. */
export function expectNoSecretsIn(secrets: IssuedSecrets, texts: readonly string[] = captured): void {
  expectSecretsRecorded(secrets);
  expect(texts.length, 'nothing was captured').toBeGreaterThan(0);
  const haystack = texts.join('\n');
  const leaked = allOf(secrets).filter((secret) => haystack.includes(secret));
  expect(leaked.map(hint)).toEqual([]);
}

function expectSecretsRecorded(secrets: IssuedSecrets): void {
  expect(
    secrets.accessTokens.length,
    'the sandbox issued no access token: the scan would prove nothing',
  ).toBeGreaterThan(0);
  expect(secrets.refreshTokens.length).toBeGreaterThan(0);
  expect(secrets.authorizationCodes.length).toBeGreaterThan(0);
  expect(secrets.codeVerifiers.length).toBeGreaterThan(0);
}

/**
 * An in-process sandbox, or the API base URL of one whose window answers /_sandbox/secrets, or
 * the record a sandbox answered before it closed.
 */
export type SecretSource = { api: string } | string | IssuedSecrets;

/** Every secret the sandboxes issued or received, read through their /_sandbox/ window. */
export async function sandboxSecrets(
  sources: SecretSource | readonly SecretSource[],
): Promise<IssuedSecrets> {
  const all: IssuedSecrets = {
    accessTokens: [],
    refreshTokens: [],
    authorizationCodes: [],
    codeVerifiers: [],
  };
  for (const source of (Array.isArray(sources) ? sources : [sources]) as SecretSource[]) {
    let one: IssuedSecrets;
    if (typeof source === 'object' && 'accessTokens' in source) {
      one = source;
    } else {
      const api = typeof source === 'string' ? source : source.api;
      const res = await fetch(`${api}/_sandbox/secrets`);
      expect(res.status, `GET ${api}/_sandbox/secrets`).toBe(200);
      one = (await res.json()) as IssuedSecrets;
    }
    for (const kind of Object.keys(all) as Array<keyof IssuedSecrets>) all[kind].push(...one[kind]);
  }
  return all;
}

/** Bounds of the folder walk: past them the scan fails rather than silently covering less. */
export const SCAN_LIMITS = { files: 5_000, bytes: 64 * 1024 * 1024 };

export interface LeakScan {
  /** Whose secrets to look for: one sandbox or several. */
  sandbox: SecretSource | readonly SecretSource[];
  /** What the processes wrote to pipes; the file's whole capture by default. */
  texts?: readonly string[];
  /** Folders the processes could write (HOME, config, TMPDIR), walked recursively. */
  dirs?: readonly string[];
  /** Files or folders inside `dirs` that may hold tokens (the store's oauth.json). */
  exclude?: readonly string[];
}

export interface LeakScanReport {
  secrets: number;
  texts: number;
  files: number;
  bytes: number;
}

interface Scanned {
  where: string;
  content: Buffer;
}

/** Every regular file and symlink under `dir` (links are not followed: their target text is scanned). */
function walk(dir: string, skip: ReadonlySet<string>, out: Scanned[], budget: { bytes: number }): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip.has(path)) continue;
    const stat = lstatSync(path);
    let content: Buffer | undefined;
    if (stat.isDirectory()) {
      walk(path, skip, out, budget);
    } else if (stat.isSymbolicLink()) {
      content = Buffer.from(readlinkSync(path));
    } else if (stat.isFile()) {
      budget.bytes += stat.size;
      if (budget.bytes > SCAN_LIMITS.bytes) {
        throw new Error(`the secret scan would read over ${SCAN_LIMITS.bytes} bytes under ${dir}`);
      }
      content = readFileSync(path);
    }
    // The name itself is scanned too: a token may not hide in a file name either.
    out.push({ where: path, content: Buffer.concat([Buffer.from(`${path}\n`), content ?? Buffer.alloc(0)]) });
    if (out.length > SCAN_LIMITS.files) {
      throw new Error(`the secret scan found over ${SCAN_LIMITS.files} files under ${dir}`);
    }
  }
}

/**
 * Asserts that no token, code or verifier any of the sandboxes issued or received (asserted
 * non-empty) appears in the captured texts or in any file under `dirs` but the excluded ones.
 * Answers what was scanned, for the suite's figures.
 */
export async function expectNoSecretsLeaked(scan: LeakScan): Promise<LeakScanReport> {
  const secrets = await sandboxSecrets(scan.sandbox);
  expectSecretsRecorded(secrets);
  const texts = scan.texts ?? captured;
  expect(texts.length, 'nothing was captured').toBeGreaterThan(0);
  const skip = new Set((scan.exclude ?? []).map((p) => resolve(p)));
  const files: Scanned[] = [];
  const budget = { bytes: 0 };
  for (const dir of scan.dirs ?? []) walk(resolve(dir), skip, files, budget);
  const haystacks: Scanned[] = [
    ...texts.map((text, i) => ({ where: `captured text #${i}`, content: Buffer.from(text) })),
    ...files,
  ];
  const found: string[] = [];
  for (const secret of new Set(allOf(secrets))) {
    for (const { where, content } of haystacks) {
      if (content.includes(secret)) found.push(`${hint(secret)} in ${where}`);
    }
  }
  expect(found.length, `secrets found outside the store:\n${found.join('\n')}`).toBe(0);
  return {
    secrets: new Set(allOf(secrets)).size,
    texts: texts.length,
    files: files.length,
    bytes: budget.bytes,
  };
}
