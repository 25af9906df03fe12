// Proxies and private CAs, end to end: the sandbox behind an HTTPS front under names that are
// not loopback (api/auth.hostsmith.test), with a certificate from a CA made for this run and
// handed to the built server through NODE_EXTRA_CA_CERTS. Those names resolve nowhere but in
// the test CONNECT proxy, so with HTTPS_PROXY the server (and the scripted browser it starts)
// can only reach them through it. Which connection each request arrived on is known at the
// front (the peer port) and at the proxy (the port of each tunnel's onward connection), so
// "every request crossed the proxy" is checked request by request against the sandbox's log.
//
// NO_PROXY: to show the bypass, the names must resolve without the proxy: that run preloads
// test/helpers/resolve-test-names.mjs through NODE_OPTIONS (a hosts-file line, for the server
// and the browser it starts), and the proxy must then see nothing at all.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startConnectProxy } from '../helpers/connect-proxy.js';
import { e2e, ok, text } from '../helpers/e2e.js';
import { type FrontRequest, startHttpsFront } from '../helpers/https-front.js';
import { ROOT, tempDir } from '../helpers/mcp-server.js';
import { makePrivateCa } from '../helpers/private-ca.js';

const API_HOST = 'api.hostsmith.test';
const AUTH_HOST = 'auth.hostsmith.test';

const ca = makePrivateCa([API_HOST, AUTH_HOST]);
const front = await startHttpsFront(ca);
const env = await e2e({ publicUrls: { api: front.url(API_HOST), issuer: front.url(AUTH_HOST) } });
front.route(API_HOST, env.sandbox.listeners.api);
front.route(AUTH_HOST, env.sandbox.listeners.issuer);
const proxy = await startConnectProxy();
afterAll(async () => {
  await proxy.close();
  await front.close();
});

const RESOLVE_TEST_NAMES = `--import=${pathToFileURL(join(ROOT, 'test/helpers/resolve-test-names.mjs')).href}`;

type Site = { id: string; partition: 'us' | 'eu'; url: string };

/** The sandbox's log and the front's, in one spelling: "api GET /v1/sites". */
const logged = () =>
  env.sandbox.window
    .requestLog()
    .map((e) => `${e.server} ${e.method} ${e.path}`)
    .sort();
const fronted = (requests: readonly FrontRequest[]) =>
  requests
    .map(
      (r) =>
        `${r.host === API_HOST ? 'api' : r.host === AUTH_HOST ? 'issuer' : r.host} ${r.method} ${r.path}`,
    )
    .sort();

function startFresh() {
  env.sandbox.window.clearRequestLog();
  front.requests.length = 0;
  proxy.tunnels.length = 0;
}

describe('behind a proxy, with a private CA', () => {
  it('the sandbox advertises the public URLs: resource, issuer and every endpoint', async () => {
    const dispatcher = new ProxyAgent({ uri: proxy.url, requestTls: { ca: readFileSync(ca.caFile) } });
    const get = async (url: string) =>
      (await (await undiciFetch(url, { dispatcher })).json()) as Record<string, unknown>;
    try {
      const api = front.url(API_HOST);
      const issuer = front.url(AUTH_HOST);
      expect(await get(`${api}/.well-known/oauth-protected-resource`)).toMatchObject({
        resource: api,
        authorization_servers: [issuer],
      });
      const metadata = await get(`${issuer}/.well-known/oauth-authorization-server`);
      expect(metadata.issuer).toBe(issuer);
      for (const name of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint']) {
        expect(String(metadata[name]).startsWith(`${issuer}/`), `${name}: ${metadata[name]}`).toBe(true);
      }
    } finally {
      await dispatcher.close();
    }
  });

  it('signs in, lists sites and deploys: every OAuth, API and upload request crossed the proxy', async () => {
    startFresh();
    const server = await env.server({
      configDir: tempDir(),
      env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca.caFile },
    });
    const listed = ok<{ sites: Site[] }>(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    expect(env.tabs()).toBeGreaterThanOrEqual(1);
    const site = listed.sites.find((s) => s.partition === 'us');
    expect(site?.url.startsWith(`${front.url(API_HOST)}/s/`), JSON.stringify(site)).toBe(true);

    const dir = tempDir('hostsmith-proxy-site-');
    const nonce = `${Date.now()}-${Math.random()}`;
    writeFileSync(join(dir, 'index.html'), `<h1>through the proxy ${nonce}</h1>\n`);
    writeFileSync(join(dir, 'style.css'), `/* ${nonce} */ body { color: teal; }\n`);
    const deployed = ok<{ filesUploaded: number }>(
      await server.client.callTool({
        name: 'deploy_directory',
        arguments: { site_id: site?.id, partition: 'us', directory: dir },
      }),
    );
    expect(deployed.filesUploaded).toBe(2);
    await server.close();

    const seen = logged();
    // Each kind of request is there: OAuth (metadata, registration, the browser at the
    // authorization endpoint, the token), the API, and the uploads.
    for (const kind of [
      /^api GET \/\.well-known\/oauth-protected-resource$/,
      /^issuer GET \/\.well-known\/oauth-authorization-server$/,
      /^issuer POST \/reg$/,
      /^issuer GET \/auth$/,
      /^issuer POST \/token$/,
      /^api GET \/v1\/sites$/,
      /^api POST \/v1\/sites\/[^/]+\/deploys$/,
      /^api PUT \/v1\/sites\/[^/]+\/deploys\/[^/]+\/blobs\/[0-9a-f]{64}$/,
    ]) {
      expect(
        seen.some((line) => kind.test(line)),
        `${kind} in\n${seen.join('\n')}`,
      ).toBe(true);
    }
    // Everything the sandbox answered came through the front, and nothing else reached it …
    expect(fronted(front.requests)).toEqual(seen);
    // … and every request at the front arrived through a tunnel of the proxy.
    const tunnelled = new Set(proxy.tunnels.filter((t) => t.status === 200).map((t) => t.localPort));
    const direct = front.requests.filter((r) => !tunnelled.has(r.peerPort));
    expect(direct.map((r) => `${r.host} ${r.method} ${r.path}`)).toEqual([]);
    // The proxy was asked for the two names only: never for loopback (the sign-in callback).
    expect(new Set(proxy.tunnels.map((t) => t.target))).toEqual(
      new Set([`${API_HOST}:${front.port}`, `${AUTH_HOST}:${front.port}`]),
    );
    expect(proxy.plain).toEqual([]);
  });

  it('no_proxy=.hostsmith.test (lowercase forms): the proxy sees nothing, and it all still works', async () => {
    startFresh();
    const server = await env.server({
      configDir: tempDir(),
      env: {
        https_proxy: proxy.url,
        no_proxy: '.hostsmith.test',
        NODE_EXTRA_CA_CERTS: ca.caFile,
        NODE_OPTIONS: RESOLVE_TEST_NAMES,
      },
    });
    const listed = ok<{ sites: Site[] }>(await server.client.callTool({ name: 'list_sites', arguments: {} }));
    expect(listed.sites.length).toBeGreaterThan(0);
    await server.close();

    expect(proxy.tunnels).toEqual([]);
    expect(proxy.plain).toEqual([]);
    // The sign-in and the call did happen, through the front, on direct connections.
    const seen = logged();
    expect(seen.some((line) => line === 'issuer POST /token')).toBe(true);
    expect(seen.some((line) => line === 'api GET /v1/sites')).toBe(true);
    expect(fronted(front.requests)).toEqual(seen);
  });

  it('without NODE_EXTRA_CA_CERTS the call fails naming the certificate and NODE_EXTRA_CA_CERTS', async () => {
    startFresh();
    const tabs = env.tabs();
    const server = await env.server({ configDir: tempDir(), env: { HTTPS_PROXY: proxy.url } });
    const result = await server.client.callTool({ name: 'list_sites', arguments: {} });
    env.expectNoBrowser(server.pid, tabs);
    await server.close();
    expect(result.isError).toBe(true);
    const message = text(result);
    expect(message).toMatch(new RegExp(`certificate of ${API_HOST.replaceAll('.', '\\.')}:${front.port}`));
    expect(message).toMatch(/could not be verified/);
    expect(message).toContain('NODE_EXTRA_CA_CERTS');
    // It went through the proxy, and nothing reached the sandbox.
    expect(proxy.tunnels.map((t) => t.target)).toContain(`${API_HOST}:${front.port}`);
    expect(logged()).toEqual([]);
  });
});
