import { describe, expect, it } from 'vitest';
import { serverArgs } from '../../src/commands/config/run.js';
import { DEFAULT_API_URL, resolveSettings, SettingsError } from '../../src/config.js';

describe('resolveSettings', () => {
  it('uses defaults with nothing set', () => {
    const s = resolveSettings({}, {});
    expect(s).toMatchObject({
      apiUrl: DEFAULT_API_URL,
      storage: 'auto',
      noBrowser: false,
      signInWaitSeconds: 45,
      requestTimeoutSeconds: 30,
    });
    expect(s.client).toBeUndefined();
  });

  it('prefers flags over environment over defaults', () => {
    const env = {
      HOSTSMITH_API_URL: 'https://env.example',
      HOSTSMITH_MCP_CLIENT: 'env-client',
      HOSTSMITH_MCP_STORAGE: 'file',
    };
    expect(resolveSettings({}, env)).toMatchObject({
      apiUrl: 'https://env.example',
      client: 'env-client',
      storage: 'file',
    });
    expect(resolveSettings({ 'api-url': 'https://flag.example/', storage: 'keychain' }, env)).toMatchObject({
      apiUrl: 'https://flag.example',
      storage: 'keychain',
      client: 'env-client',
    });
  });

  it('takes the request timeout from the flag, else HOSTSMITH_MCP_REQUEST_TIMEOUT', () => {
    const env = { HOSTSMITH_MCP_REQUEST_TIMEOUT: '7' };
    expect(resolveSettings({}, env).requestTimeoutSeconds).toBe(7);
    expect(resolveSettings({ 'request-timeout': '2' }, env).requestTimeoutSeconds).toBe(2);
    expect(resolveSettings({}, { HOSTSMITH_MCP_REQUEST_TIMEOUT: ' ' }).requestTimeoutSeconds).toBe(30);
    expect(() => resolveSettings({}, { HOSTSMITH_MCP_REQUEST_TIMEOUT: '0' })).toThrowError(
      /HOSTSMITH_MCP_REQUEST_TIMEOUT/,
    );
  });

  it('ignores empty environment values', () => {
    expect(resolveSettings({}, { HOSTSMITH_MCP_CLIENT: '  ', HOSTSMITH_API_URL: '' })).toMatchObject({
      client: undefined,
      apiUrl: DEFAULT_API_URL,
    });
  });

  it.each([
    [{ 'api-url': 'http://api.example.com' }, /--api-url.*https/],
    [{ 'api-url': 'not a url' }, /--api-url/],
    [{ storage: 'disk' }, /--storage.*auto, keychain or file/],
    [{ 'sign-in-wait': 'soon' }, /--sign-in-wait/],
    [{ 'sign-in-wait': '0' }, /--sign-in-wait/],
    [{ 'request-timeout': '0' }, /--request-timeout \/ HOSTSMITH_MCP_REQUEST_TIMEOUT/],
    [{ 'request-timeout': '2.5' }, /--request-timeout/],
    [{ 'request-timeout': 'never' }, /--request-timeout/],
  ])('rejects %o naming the setting', (flags, message) => {
    expect(() => resolveSettings(flags, {})).toThrowError(SettingsError);
    expect(() => resolveSettings(flags, {})).toThrowError(message);
  });

  it('allows http only for loopback hosts', () => {
    for (const host of ['127.0.0.1:8787', '[::1]:8787', 'localhost:8787']) {
      expect(resolveSettings({ 'api-url': `http://${host}` }, {}).apiUrl).toBe(`http://${host}`);
    }
  });
});

describe('--confirm', () => {
  it('is auto by default, takes HOSTSMITH_MCP_CONFIRM, and the flag wins', () => {
    expect(resolveSettings({}, {}).confirm).toBe('auto');
    expect(resolveSettings({}, { HOSTSMITH_MCP_CONFIRM: 'never' }).confirm).toBe('never');
    expect(resolveSettings({ confirm: 'auto' }, { HOSTSMITH_MCP_CONFIRM: 'never' }).confirm).toBe('auto');
  });

  it('refuses any other value, naming the flag, the variable and the choices', () => {
    expect(() => resolveSettings({ confirm: 'yes' }, {})).toThrow(
      /--confirm \/ HOSTSMITH_MCP_CONFIRM \(auto or never\)/,
    );
  });
});

describe('serverArgs (the config command) carries --confirm never into a host entry', () => {
  it('writes --confirm only when it is not the default', () => {
    expect(serverArgs({ confirm: 'never' }, 'linux')).toEqual(['--confirm', 'never']);
    expect(serverArgs({ confirm: 'auto' }, 'linux')).toEqual([]);
  });
});
