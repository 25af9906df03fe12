// An HTTPS front for the sandbox: terminates TLS for public-looking names (api.hostsmith.test,
// auth.hostsmith.test) on one loopback port and forwards each request, Host kept and
// X-Forwarded-Proto: https added, to the loopback listener routed for that name. It logs every
// request with the peer's port, so a test can tell which connection (which proxy tunnel) it
// arrived on.
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FrontRequest {
  host: string;
  method: string;
  /** Without the query (codes and tokens travel there). */
  path: string;
  /** The TCP port of the connection it arrived on, at the peer's end. */
  peerPort: number;
}

export interface HttpsFront {
  port: number;
  /** https://NAME:PORT */
  url(name: string): string;
  /** Send NAME's requests to this loopback base URL (e.g. sandbox.listeners.api). */
  route(name: string, target: string): void;
  readonly requests: FrontRequest[];
  close(): Promise<void>;
}

export async function startHttpsFront(tls: { cert: string; key: string }): Promise<HttpsFront> {
  const routes = new Map<string, URL>();
  const requests: FrontRequest[] = [];
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ host, method: req.method ?? 'GET', path, peerPort: req.socket.remotePort ?? 0 });
    const target = routes.get(host);
    if (!target) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end(`no route for ${host}\n`);
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (name) => `https://${name}:${port}`,
    route: (name, target) => routes.set(name.toLowerCase(), new URL(target)),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
