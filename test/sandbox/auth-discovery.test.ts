// The authorization server as a client first meets it: from the API's protected-resource
// metadata (RFC 9728) to the authorization-server metadata (RFC 8414, OpenID discovery as the
// fallback), then dynamic registration (RFC 7591) of a public native client.
import * as client from 'openid-client';
import { afterAll, describe, expect, test } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { discoverResource, REGISTERED_REDIRECT_URI, registerClient } from '../helpers/oauth.js';

const sandbox = await startSandbox({ port: 0 });
afterAll(() => sandbox.close());

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('discovery', () => {
  test('the API names the issuer, and the issuer serves RFC 8414 metadata at its root', async () => {
    const prm = await discoverResource(sandbox.api);
    expect(prm.resource).toBe(sandbox.api);
    expect(prm.issuer).toBe(sandbox.issuer);
    expect(new URL(prm.issuer).pathname).toBe('/');
    expect(new URL(prm.issuer).port).not.toBe(new URL(sandbox.api).port);

    const config = await client.discovery(new URL(prm.issuer), 'unregistered', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(sandbox.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
    expect(meta.token_endpoint_auth_methods_supported).toContain('none');
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(['sites:read', 'sites:write', 'domains:read', 'files:write', 'offline_access']),
    );
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'registration_endpoint',
      'revocation_endpoint',
    ]) {
      const url = new URL(String(meta[endpoint]));
      expect(url.origin, endpoint).toBe(sandbox.issuer);
    }
  });

  test('OpenID discovery serves the same document', async () => {
    const rfc8414 = await getJson(`${sandbox.issuer}/.well-known/oauth-authorization-server`);
    const openid = await getJson(`${sandbox.issuer}/.well-known/openid-configuration`);
    expect(rfc8414.status).toBe(200);
    expect(openid.status).toBe(200);
    expect(rfc8414.body).toEqual(openid.body);
  });

  test('the API is not the authorization server', async () => {
    const res = await fetch(`${sandbox.api}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(404);
  });
});

describe('dynamic registration (RFC 7591)', () => {
  test('registers a public native client with a loopback redirect URI', async () => {
    const config = await registerClient(sandbox.issuer, { client_name: 'registration test' });
    const meta = config.clientMetadata();
    expect(meta.client_id).toMatch(/^[\w-]{20,}$/);
    expect(meta.client_secret).toBeUndefined();
    expect(meta.token_endpoint_auth_method).toBe('none');
    expect(meta.application_type).toBe('native');
    expect(meta.redirect_uris).toEqual([REGISTERED_REDIRECT_URI]);
    expect(meta.grant_types).toEqual(['authorization_code', 'refresh_token']);
  });

  test('each registration is a new client', async () => {
    const a = await registerClient(sandbox.issuer);
    const b = await registerClient(sandbox.issuer);
    expect(a.clientMetadata().client_id).not.toBe(b.clientMetadata().client_id);
  });

  test('a native client may not register plain http off the loopback', async () => {
    await expect(
      registerClient(sandbox.issuer, { redirect_uris: ['http://example.com/callback'] }),
    ).rejects.toMatchObject({ error: 'invalid_redirect_uri' });
  });

  test('registration without redirect URIs is refused', async () => {
    const meta = await getJson(`${sandbox.issuer}/.well-known/oauth-authorization-server`);
    const res = await fetch(String(meta.body.registration_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ application_type: 'native', token_endpoint_auth_method: 'none' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_redirect_uri');
  });
});
