// CHANGELOG.md keeps the Keep a Changelog 1.1.0 shape: an Unreleased section first, then
// released versions as "[x.y.z] - YYYY-MM-DD", newest first, each change under one of the six
// kinds of change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/mcp-server.js';

const KINDS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

it('CHANGELOG.md follows Keep a Changelog', () => {
  const text = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
  expect(text.startsWith('# Changelog\n')).toBe(true);
  expect(text).toContain('https://keepachangelog.com/en/1.1.0/');
  const versions = [...text.matchAll(/^## (.*)$/gm)].map((m) => m[1]!);
  expect(versions[0]).toBe('[Unreleased]');
  const released = versions.slice(1);
  for (const v of released) expect(v).toMatch(/^\[\d+\.\d+\.\d+(-[\w.]+)?\] - \d{4}-\d\d-\d\d$/);
  const dates = released.map((v) => v.slice(-10));
  expect(dates).toEqual([...dates].sort().reverse());
  const kinds = [...text.matchAll(/^### (.*)$/gm)].map((m) => m[1]);
  expect(kinds.length).toBeGreaterThan(0);
  for (const kind of kinds) expect(KINDS).toContain(kind);
  // Every kind heading sits under a version, and holds at least one entry.
  for (const section of text.split(/^### /m).slice(1)) expect(section).toMatch(/\n- \S/);
  expect(text.indexOf('### ')).toBeGreaterThan(text.indexOf('## [Unreleased]'));
});
