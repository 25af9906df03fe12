// --data: everything survives a restart on the same ports — the API's sites, files and deploys,
// and the authorization server's state, so a client signed in before stays signed in after.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { expect, test } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';
import { signIn } from '../helpers/oauth.js';
import { call } from '../helpers/sandbox.js';

const port = (url: string) => Number(new URL(url).port);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

test('a restart with the same --data file keeps the data and the sign-in', async () => {
  const dataFile = join(mkdtempSync(join(tmpdir(), 'sandbox-persist-')), 'data.json');
  const first = await startSandbox({ port: 0, dataFile });
  let second: Awaited<ReturnType<typeof startSandbox>> | undefined;
  try {
    const session = await signIn(first, { email: 'lin@example.com' });
    const token = session.accessToken;
    const site = await call<{ id: string }>(first.api, 'POST', '/v1/sites?partition=eu', {
      token,
      body: { name: 'lin-persisted' },
    });
    expect(site.status).toBe(201);
    const dep = await call<{ id: string; required: string[] }>(
      first.api,
      'POST',
      `/v1/sites/${site.json.id}/deploys?partition=eu`,
      { token, body: { files: { 'index.html': sha('<h1>kept</h1>') } } },
    );
    await call(
      first.api,
      'PUT',
      `/v1/sites/${site.json.id}/deploys/${dep.json.id}/blobs/${sha('<h1>kept</h1>')}?partition=eu`,
      {
        token,
        raw: '<h1>kept</h1>',
      },
    );
    await call(first.api, 'POST', `/v1/sites/${site.json.id}/deploys/${dep.json.id}/publish?partition=eu`, {
      token,
    });
    const before = await call(first.api, 'GET', '/v1/sites?partition=eu&limit=100', { token });
    await first.close();
    // Closed means written: the file holds both halves.
    expect(Object.keys(JSON.parse(readFileSync(dataFile, 'utf8')).slots).sort()).toEqual(['api', 'auth']);

    second = await startSandbox({ port: port(first.api), issuerPort: port(first.issuer), dataFile });
    expect(second.api).toBe(first.api);
    // The access token issued before the restart still works, and sees the same data.
    const after = await call(second.api, 'GET', '/v1/sites?partition=eu&limit=100', { token });
    expect(after.status).toBe(200);
    expect(after.json).toEqual(before.json);
    expect(await (await fetch(`${second.api}/s/eu/lin-persisted/`)).text()).toBe('<h1>kept</h1>');
    // A redeploy of the same bytes needs nothing: the blobs were kept too.
    const redeploy = await call<{ required: string[] }>(
      second.api,
      'POST',
      `/v1/sites/${site.json.id}/deploys?partition=eu`,
      { token, body: { files: { 'index.html': sha('<h1>kept</h1>') } } },
    );
    expect(redeploy.json.required).toEqual([]);
    // The refresh token issued before the restart rotates after it.
    const refreshed = await client.refreshTokenGrant(session.config, session.refreshToken, {
      resource: second.api,
    });
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(session.refreshToken);
    expect((await call(second.api, 'GET', '/v1/account', { token: refreshed.access_token })).status).toBe(
      200,
    );
  } finally {
    await first.close();
    await second?.close();
  }
});

test('without --data nothing is kept: a new sandbox starts from the seed', async () => {
  const one = await startSandbox({ port: 0 });
  const token = (await signIn(one)).accessToken;
  await call(one.api, 'POST', '/v1/sites', { token, body: { name: 'ada-ephemeral' } });
  await one.close();
  const two = await startSandbox({ port: 0 });
  try {
    const token2 = (await signIn(two)).accessToken;
    const sites = await call<{ sites: Array<{ name: string }> }>(two.api, 'GET', '/v1/sites?limit=100', {
      token: token2,
    });
    expect(sites.json.sites.map((s) => s.name)).not.toContain('ada-ephemeral');
    expect(sites.json.sites.map((s) => s.name)).toContain('ada-portfolio');
  } finally {
    await two.close();
  }
});
