// The least-privilege rules as pure functions: the settings that choose tools, which tools a
// selection lists, the scopes it asks for, what a grant lacks, and where a read-only grant lives.
import { describe, expect, it } from 'vitest';
import { ScopeNeeds } from '../../src/auth/scopes.js';
import { resolveSettings } from '../../src/config.js';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { scopesFor, selectTools, ToolSelectionError } from '../../src/mcp/tools/scopes.js';
import { credentialAccount, credentialDir } from '../../src/store/profile.js';

const names = (sel: Parameters<typeof selectTools>[1]) => selectTools(ALL_TOOLS, sel).map((t) => t.name);

describe('tool selection settings', () => {
  it('read-only from the flag or HOSTSMITH_MCP_READ_ONLY=1; lists split on commas', () => {
    expect(resolveSettings({}, {}).readOnly).toBe(false);
    expect(resolveSettings({}, { HOSTSMITH_MCP_READ_ONLY: '1' }).readOnly).toBe(true);
    expect(resolveSettings({}, { HOSTSMITH_MCP_READ_ONLY: '0' }).readOnly).toBe(false);
    expect(resolveSettings({ 'read-only': true }, {}).readOnly).toBe(true);
    const s = resolveSettings({ toolsets: 'sites, files', tools: 'list_sites', 'exclude-tools': ' ' }, {});
    expect(s).toMatchObject({ toolsets: ['sites', 'files'], tools: ['list_sites'] });
    expect(s.excludeTools).toBeUndefined();
  });
});

describe('selectTools and scopesFor', () => {
  it('all tools by default, asking for every API scope', () => {
    expect(names({ readOnly: false })).toEqual(ALL_TOOLS.map((t) => t.name));
    expect(scopesFor(ALL_TOOLS).sort()).toEqual(['domains:read', 'files:write', 'sites:read', 'sites:write']);
  });

  it('tool sets, tools and exclusions combine; the scopes follow the tools listed', () => {
    expect(names({ readOnly: false, toolsets: ['deploy', 'account'] })).toEqual([
      'get_account',
      'deploy_directory',
    ]);
    expect(scopesFor(selectTools(ALL_TOOLS, { readOnly: false, toolsets: ['deploy'] }))).toEqual([
      'files:write',
      'sites:read',
    ]);
    expect(names({ readOnly: false, toolsets: ['sites'], excludeTools: ['delete_site'] })).toEqual([
      'list_sites',
      'get_site',
      'create_site',
      'update_site',
    ]);
    expect(names({ readOnly: true, tools: ['list_sites', 'delete_site'] })).toEqual(['list_sites']);
    expect(scopesFor(selectTools(ALL_TOOLS, { readOnly: false, tools: ['get_account'] }))).toEqual([]);
  });

  it('an unknown name throws, listing the valid ones', () => {
    expect(() => names({ readOnly: false, toolsets: ['site'] })).toThrow(ToolSelectionError);
    expect(() => names({ readOnly: false, tools: ['list_site', 'nope'] })).toThrow(
      /--tools: unknown names list_site, nope\. Valid: get_account, list_sites/,
    );
  });
});

describe('ScopeNeeds', () => {
  it('a grant lacks what is needed and not held; sign-in asks for the union', () => {
    const needs = new ScopeNeeds(['sites:read', 'domains:read']);
    expect(needs.missing('sites:read domains:read offline_access')).toEqual([]);
    expect(needs.missing('sites:read sites:write')).toEqual(['domains:read']);
    expect(needs.forSignIn('sites:read sites:write offline_access')).toEqual([
      'sites:read',
      'domains:read',
      'sites:write',
    ]);
    needs.add('files:write');
    expect(needs.missing('sites:read domains:read')).toEqual(['files:write']);
    expect(needs.forSignIn(undefined)).toEqual(['sites:read', 'domains:read', 'files:write']);
  });

  it('asked again about the same grant, answers the same, and a scope added since counts', () => {
    const needs = new ScopeNeeds(['sites:read']);
    const grant = 'sites:read offline_access';
    const first = needs.missing(grant);
    expect(first).toEqual([]);
    first.push('changed by a caller');
    expect(needs.missing(grant)).toEqual([]);
    needs.add('files:write');
    expect(needs.missing(grant)).toEqual(['files:write']);
    expect(needs.missing('sites:read files:write')).toEqual([]);
    expect(needs.missing(grant)).toEqual(['files:write']);
  });
});

describe('the read-only credential is kept apart, for every profile', () => {
  const API = 'https://api.x';
  // Four credentials of one client folder, per platform: none shares a folder or an account.
  const cases = {
    linux: { root: '/r', sep: '/' },
    darwin: { root: '/Users/ada/.config', sep: '/' },
    win32: { root: 'C:\\Users\\ada\\.config', sep: '\\' },
  } as const;
  for (const [platform, { root, sep }] of Object.entries(cases)) {
    it(`folders on ${platform}`, () => {
      const p = (...parts: string[]) => [root, 'cursor', ...parts].join(sep);
      const dir = (profile: string | undefined, readOnly: boolean) =>
        credentialDir(root, 'cursor', { profile, readOnly }, platform as NodeJS.Platform);
      expect(dir(undefined, false)).toBe(p('hostsmith'));
      expect(dir('default', false)).toBe(p('hostsmith'));
      expect(dir(undefined, true)).toBe(p('hostsmith-ro'));
      expect(dir('default', true)).toBe(p('hostsmith-ro'));
      expect(dir('work', false)).toBe(p('hostsmith', 'profiles', 'work'));
      expect(dir('work', true)).toBe(p('hostsmith', 'profiles', 'work', 'read-only'));
      // A profile named like a read-only folder is still its own full folder.
      expect(dir('work-ro', false)).toBe(p('hostsmith', 'profiles', 'work-ro'));
      const all = [dir('default', false), dir('default', true), dir('work', false), dir('work', true)];
      expect(new Set(all).size).toBe(4);
    });
  }

  it('keychain accounts', () => {
    expect(credentialAccount('cursor', {}, API)).toBe('cursor|https://api.x');
    expect(credentialAccount('cursor', { readOnly: true }, API)).toBe('ro|cursor|https://api.x');
    expect(credentialAccount('cursor', { profile: 'work' }, API)).toBe('cursor|work|https://api.x');
    expect(credentialAccount('cursor', { profile: 'work', readOnly: true }, API)).toBe(
      'ro|cursor|work|https://api.x',
    );
  });
});
