// The guard the host tests rely on: with its environment, a request to anything but loopback
// reaches it, is logged and refused (nothing is forwarded); loopback goes direct and is not logged.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvHttpProxyAgent, fetch } from 'undici';
import { expect, it } from 'vitest';
import { startLoopbackGuard } from './loopback-guard.js';

it('logs and refuses what leaves loopback; loopback is not proxied', async () => {
  const guard = await startLoopbackGuard();
  const local = createServer((_req, res) => res.end('here'));
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  try {
    const { HTTP_PROXY, HTTPS_PROXY, NO_PROXY } = guard.env;
    const dispatcher = new EnvHttpProxyAgent({
      httpProxy: HTTP_PROXY,
      httpsProxy: HTTPS_PROXY,
      noProxy: NO_PROXY,
    });
    await expect(fetch('https://telemetry.example.com/v1/events', { dispatcher })).rejects.toThrow();
    await expect(fetch('http://updates.example.com/latest', { dispatcher })).rejects.toThrow();
    // A client that sends plain HTTP in proxy form (absolute URL) rather than tunnelling.
    const proxy = new URL(guard.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request({ host: proxy.hostname, port: proxy.port, path: 'http://metrics.example.com/ping' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    const port = (local.address() as AddressInfo).port;
    expect(await (await fetch(`http://127.0.0.1:${port}/`, { dispatcher })).text()).toBe('here');
    expect(guard.attempts).toEqual([
      'CONNECT telemetry.example.com:443',
      'CONNECT updates.example.com:80',
      'GET http://metrics.example.com/ping',
    ]);
  } finally {
    local.close();
    await guard.close();
  }
});
