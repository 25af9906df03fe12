// The one dispatcher every request uses (src/net/dispatcher.ts): the NO_PROXY list it hands to
// undici, loopback never proxied whatever the environment says, other names through the proxy;
// and how a certificate failure is said (src/net/tls-problem.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, noProxyList } from '../../src/net/dispatcher.js';
import { certificateProblem } from '../../src/net/tls-problem.js';
import { type ConnectProxy, startConnectProxy } from '../helpers/connect-proxy.js';

describe('noProxyList', () => {
  it('adds the loopback hosts, spelled as undici compares them', () => {
    expect(noProxyList({})).toBe('localhost,127.0.0.1,[::1]');
  });
  it('keeps the person’s list; the lowercase no_proxy wins, as undici reads it', () => {
    expect(noProxyList({ NO_PROXY: '.corp.example' })).toBe('.corp.example,localhost,127.0.0.1,[::1]');
    expect(noProxyList({ no_proxy: 'a.example', NO_PROXY: 'b.example' })).toBe(
      'a.example,localhost,127.0.0.1,[::1]',
    );
  });
  it('leaves * (proxy nothing) alone', () => {
    expect(noProxyList({ NO_PROXY: ' * ' })).toBe('*');
  });
});

describe('createDispatcher with HTTP(S)_PROXY set', () => {
  const servers: Server[] = [];
  let proxy: ConnectProxy;
  let port4 = 0;
  let port6 = 0;
  const saved = { ...process.env };
  let dispatcher: Dispatcher | undefined;

  async function listen(host: string): Promise<number> {
    const server = createServer((_req, res) => res.end('here'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    proxy = await startConnectProxy();
    port4 = await listen('127.0.0.1');
    port6 = await listen('::1');
  });
  afterEach(async () => {
    await dispatcher?.close();
    process.env = { ...saved };
    proxy.tunnels.length = 0;
    proxy.plain.length = 0;
  });
  afterAll(async () => {
    await proxy.close();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function withProxyEnv(extra: Record<string, string> = {}) {
    for (const key of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
      delete process.env[key];
    }
    Object.assign(process.env, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }, extra);
    dispatcher = createDispatcher({ timeoutMs: 5_000 });
    return dispatcher;
  }

  it('never sends loopback to the proxy (127.0.0.1, [::1])', async () => {
    const d = withProxyEnv();
    for (const url of [`http://127.0.0.1:${port4}/`, `http://[::1]:${port6}/`]) {
      const res = await request(url, { dispatcher: d });
      expect(await res.body.text(), url).toBe('here');
    }
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.plain).toEqual([]);
  });

  it('sends any other name through the proxy, unless NO_PROXY names it', async () => {
    const d = withProxyEnv();
    const res = await request(`http://x.hostsmith.test:${port4}/`, { dispatcher: d });
    expect(await res.body.text()).toBe('here');
    expect(proxy.tunnels.map((t) => [t.target, t.status])).toEqual([[`x.hostsmith.test:${port4}`, 200]]);
    proxy.tunnels.length = 0;
    await d.close();

    // Bypassed, the test name resolves nowhere: the proxy is not asked at all.
    const bypass = withProxyEnv({ NO_PROXY: '.hostsmith.test' });
    await expect(request(`http://x.hostsmith.test:${port4}/`, { dispatcher: bypass })).rejects.toThrow();
    expect(proxy.tunnels).toEqual([]);
  });
});

describe('certificateProblem', () => {
  const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('names the origin, the reason and NODE_EXTRA_CA_CERTS, under undici’s wrapper', () => {
    const error = new TypeError('fetch failed', {
      cause: tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    });
    const said = certificateProblem(error, 'https://api.corp.example:8443/v1/sites');
    expect(said).toContain('api.corp.example:8443');
    expect(said).toContain('self-signed certificate in certificate chain');
    expect(said).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('sends a name mismatch to the URL, not to a CA', () => {
    const said = certificateProblem(
      tlsError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      new URL('https://api.example'),
    );
    expect(said).toMatch(/certificate is for another name/);
  });

  it('is undefined for any other failure', () => {
    expect(certificateProblem(tlsError('ECONNREFUSED', 'connect ECONNREFUSED'), 'https://x.example')).toBe(
      undefined,
    );
    expect(certificateProblem('nope', 'https://x.example')).toBe(undefined);
  });
});
