// Keeps a host on loopback, and proves it: the host runs with HTTP_PROXY/HTTPS_PROXY/ALL_PROXY at
// this proxy and NO_PROXY naming only loopback, so every request it makes elsewhere comes here,
// is logged (method and target, CONNECT host:port) and refused (403, nothing forwarded). A test
// asserts the log is empty.
//
// Limits: it sees only traffic that honours the proxy variables. A host that opened a socket
// directly, or resolved a name (DNS is not proxied), would not show here; each host's own
// telemetry and update switches are also turned off (see the host tests) for that reason.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackGuard {
  url: string;
  /** Everything that tried to leave loopback: "CONNECT host:443", "GET http://…". */
  attempts: string[];
  /** The environment that routes a host's traffic here, loopback excepted. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startLoopbackGuard(): Promise<LoopbackGuard> {
  const attempts: string[] = [];
  const server: Server = createServer((req, res) => {
    attempts.push(`${req.method} ${req.url}`);
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('refused by the test');
  });
  server.on('connect', (req, socket) => {
    attempts.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const noProxy = '127.0.0.1,localhost,::1';
  return {
    url,
    attempts,
    env: {
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      ALL_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      all_proxy: url,
      NO_PROXY: noProxy,
      no_proxy: noProxy,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
