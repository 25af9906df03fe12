// HTTPS everywhere except loopback, and one spelling of the API's resource URL.
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/auth/types.js';
import {
  canonicalResource,
  isAllowedUrl,
  protectedResourceMetadataUrl,
  requireSecureUrl,
} from '../../src/auth/urls.js';

describe('URL rules', () => {
  it('allows https anywhere and http only on loopback hosts', () => {
    for (const ok of [
      'https://api.hostsmith.net',
      'http://127.0.0.1:8787',
      'http://[::1]:1/x',
      'http://localhost/',
    ]) {
      expect(isAllowedUrl(new URL(ok)), ok).toBe(true);
    }
    for (const bad of [
      'http://api.hostsmith.net',
      'http://127.0.0.2/',
      'http://localhost.evil.example/',
      'http://10.0.0.1/',
      'ftp://127.0.0.1/',
      'javascript:alert(1)',
    ]) {
      expect(isAllowedUrl(new URL(bad)), bad).toBe(false);
    }
  });

  it('names what was insecure, with a stable code', () => {
    const error = (() => {
      try {
        requireSecureUrl('http://auth.example/token', 'The token endpoint');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('INSECURE_URL');
    expect((error as AuthError).message).toMatch(
      /The token endpoint must use https:\/\/.*http:\/\/auth\.example\/token/,
    );
    expect(() => requireSecureUrl('::nonsense', 'The issuer')).toThrow(/not a valid URL/);
  });

  it('canonicalises the resource: no trailing slash, no query', () => {
    expect(canonicalResource('https://api.hostsmith.net/')).toBe('https://api.hostsmith.net');
    expect(canonicalResource('https://API.hostsmith.net')).toBe('https://api.hostsmith.net');
    expect(canonicalResource('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(canonicalResource('https://example.com/api/')).toBe('https://example.com/api');
    expect(() => canonicalResource('https://example.com/?x=1')).toThrow(AuthError);
    expect(() => canonicalResource('http://example.com')).toThrow(/https/);
  });

  it('puts the RFC 9728 well-known segment between host and path', () => {
    expect(protectedResourceMetadataUrl('https://api.hostsmith.net').href).toBe(
      'https://api.hostsmith.net/.well-known/oauth-protected-resource',
    );
    expect(protectedResourceMetadataUrl('https://example.com/api').href).toBe(
      'https://example.com/.well-known/oauth-protected-resource/api',
    );
  });
});
