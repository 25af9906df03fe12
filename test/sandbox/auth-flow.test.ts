// The authorization code flow with PKCE, driven by the scripted browser: the sign-in and
// consent pages, auto-approve, deny, and the requests a strict server must refuse.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { SANDBOX_PASSWORD, USERS } from '../../sandbox/users.js';
import {
  authorize,
  type CallbackServer,
  DEFAULT_SCOPES,
  discoverResource,
  registerClient,
  signIn,
  startCallbackServer,
} from '../helpers/oauth.js';
import { completeSignIn, parseForms, ScriptedBrowser } from '../helpers/scripted-browser.js';

let interactive: Sandbox;
let auto: Sandbox;
let callback: CallbackServer;
let config: client.Configuration;

beforeAll(async () => {
  [interactive, auto, callback] = await Promise.all([
    startSandbox({ port: 0 }),
    startSandbox({ port: 0, autoApprove: true, user: 'lin@example.com' }),
    startCallbackServer(),
  ]);
  config = await registerClient(interactive.issuer);
});
afterAll(async () => {
  await Promise.all([interactive?.close(), auto?.close(), callback?.close()]);
});

function formIds(body: string, url: string): Array<string | undefined> {
  return parseForms(body, url).map((f) => f.id);
}

describe('the interactive pages', () => {
  test('sign in, consent, approve: the callback gets code, state and iss; the code buys tokens', async () => {
    const auth = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    const browser = new ScriptedBrowser();

    const signInPage = await browser.open(auth.url);
    expect(signInPage.status).toBe(200);
    expect(signInPage.headers.get('content-type')).toMatch(/^text\/html/);
    expect(new URL(signInPage.url).pathname).toMatch(/^\/interaction\//);
    expect(formIds(signInPage.body, signInPage.url)).toEqual(['login']);
    for (const user of USERS) expect(signInPage.body).toContain(user.email);
    expect(signInPage.body).toContain(SANDBOX_PASSWORD);

    const wrong = await browser.submit(
      signInPage,
      'login',
      { email: 'ada@example.com', password: 'not-it' },
      'login',
    );
    expect(wrong.isCallback).toBe(false);
    expect(wrong.body).toContain('Wrong email or password');
    expect(formIds(wrong.body, wrong.url)).toEqual(['login']);

    const consentPage = await browser.submit(
      wrong,
      'login',
      { email: 'ada@example.com', password: SANDBOX_PASSWORD },
      'login',
    );
    expect(consentPage.status).toBe(200);
    expect(formIds(consentPage.body, consentPage.url)).toEqual(['consent']);
    const consent = parseForms(consentPage.body, consentPage.url)[0];
    expect(consent?.buttons.map((b) => b.name).sort()).toEqual(['approve', 'deny']);
    expect(consentPage.body).toContain('ada@example.com');
    expect(consentPage.body).toContain('oauth test helper');
    for (const scope of DEFAULT_SCOPES) expect(consentPage.body).toContain(`data-scope="${scope}"`);
    // In plain words, not only the scope names.
    expect(consentPage.body).toContain('Upload and replace the files of your sites');

    const done = await browser.submit(consentPage, 'consent', {}, 'approve');
    expect(done.isCallback).toBe(true);
    expect(done.status).toBe(200);
    const params = new URL(done.url).searchParams;
    expect(params.get('state')).toBe(auth.state);
    expect(params.get('iss')).toBe(interactive.issuer);
    expect(params.get('code')).toBeTruthy();
    expect(new URL(done.url).origin).toBe(new URL(callback.redirectUri).origin);

    const tokens = await client.authorizationCodeGrant(
      config,
      await callback.next(),
      { pkceCodeVerifier: auth.verifier, expectedState: auth.state },
      { resource: interactive.api },
    );
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope?.split(' ').sort()).toEqual([
      'domains:read',
      'files:write',
      'sites:read',
      'sites:write',
    ]);
    const info = await interactive.auth.verifyAccessToken(tokens.access_token);
    expect(info?.accountId).toBe('usr_ada');
    expect(info?.clientId).toBe(config.clientMetadata().client_id);

    // The same browser is still signed in: the next authorization goes straight to consent.
    const again = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    const second = await browser.open(again.url);
    expect(formIds(second.body, second.url)).toEqual(['consent']);
  });

  test('signIn as another user gives a token of that user', async () => {
    const lin = await signIn(
      { api: interactive.api, issuer: interactive.issuer },
      { email: 'lin@example.com' },
    );
    expect((await interactive.auth.verifyAccessToken(lin.accessToken))?.accountId).toBe('usr_lin');
  });

  test('Deny reaches the client as access_denied, with state and iss', async () => {
    const auth = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    const page = await completeSignIn(auth.url, { action: 'deny' });
    const params = new URL(page.url).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(auth.state);
    expect(params.get('iss')).toBe(interactive.issuer);
    expect(params.get('code')).toBeNull();
    await expect(
      client.authorizationCodeGrant(config, await callback.next(), {
        pkceCodeVerifier: auth.verifier,
        expectedState: auth.state,
      }),
    ).rejects.toMatchObject({ error: 'access_denied' });
  });

  test('signIn with action deny rejects with access_denied', async () => {
    await expect(signIn({ api: interactive.api }, { action: 'deny' })).rejects.toMatchObject({
      error: 'access_denied',
    });
  });
});

describe('auto-approve', () => {
  test('no page is shown, but the browser travels every redirect to the callback', async () => {
    const { resource, issuer } = await discoverResource(auto.api);
    const autoConfig = await registerClient(issuer);
    const auth = await authorize(autoConfig, { resource, redirectUri: callback.redirectUri });
    const browser = new ScriptedBrowser();
    const page = await browser.open(auth.url);
    expect(page.isCallback).toBe(true);
    const paths = browser.visited.map((u) => new URL(u).pathname);
    expect(paths[0]).toBe('/auth');
    expect(paths.filter((p) => p.startsWith('/interaction/')).length).toBeGreaterThanOrEqual(1);
    expect(paths.at(-1)).toBe('/callback');
    const tokens = await client.authorizationCodeGrant(
      autoConfig,
      await callback.next(),
      { pkceCodeVerifier: auth.verifier, expectedState: auth.state },
      { resource },
    );
    // Signed in as --user.
    expect((await auto.auth.verifyAccessToken(tokens.access_token))?.accountId).toBe('usr_lin');
  });

  test('signIn works unchanged against auto-approve', async () => {
    const result = await signIn({ api: auto.api, issuer: auto.issuer });
    expect(result.refreshToken).toBeTruthy();
    expect(await auto.auth.verifyAccessToken(result.accessToken)).not.toBeNull();
  });
});

describe('what the server refuses', () => {
  async function authorizationError(params: Record<string, string>): Promise<URLSearchParams> {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.redirectUri,
      scope: DEFAULT_SCOPES.join(' '),
      resource: interactive.api,
      state: 'st-123',
      ...params,
    });
    const page = await completeSignIn(url.href);
    await callback.next();
    return new URL(page.url).searchParams;
  }

  test('a missing PKCE challenge', async () => {
    const params = await authorizationError({});
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/PKCE/);
    expect(params.get('state')).toBe('st-123');
    expect(params.get('iss')).toBe(interactive.issuer);
  });

  test('the plain PKCE method', async () => {
    const params = await authorizationError({
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/code_challenge_method/);
  });

  test('a resource other than the API', async () => {
    const params = await authorizationError({
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      resource: 'http://127.0.0.1:1/elsewhere',
    });
    expect(params.get('error')).toBe('invalid_target');
  });

  test('a wrong code_verifier at the token endpoint', async () => {
    const auth = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    await completeSignIn(auth.url);
    await expect(
      client.authorizationCodeGrant(
        config,
        await callback.next(),
        { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: auth.state },
        { resource: interactive.api },
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a wrong state is rejected by the client', async () => {
    const auth = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    await completeSignIn(auth.url);
    await expect(
      client.authorizationCodeGrant(config, await callback.next(), {
        pkceCodeVerifier: auth.verifier,
        expectedState: client.randomState(),
      }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_RESPONSE',
      cause: { message: expect.stringMatching(/"state"/) },
    });
  });

  test('a redirect URI other than the registered loopback /callback: an error page, no redirect', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${new URL(callback.redirectUri).origin}/elsewhere`,
      scope: DEFAULT_SCOPES.join(' '),
      resource: interactive.api,
      state: 'x',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const page = await new ScriptedBrowser().open(url.href);
    expect(page.isCallback).toBe(false);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('data-error="invalid_redirect_uri"');
  });

  test('an authorization code works once', async () => {
    const auth = await authorize(config, { resource: interactive.api, redirectUri: callback.redirectUri });
    await completeSignIn(auth.url);
    const url = await callback.next();
    const checks = { pkceCodeVerifier: auth.verifier, expectedState: auth.state };
    const first = await client.authorizationCodeGrant(config, url, checks, { resource: interactive.api });
    await expect(
      client.authorizationCodeGrant(config, url, checks, { resource: interactive.api }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    // Replaying the code revokes what it bought.
    expect(await interactive.auth.verifyAccessToken(first.access_token)).toBeNull();
  });
});
