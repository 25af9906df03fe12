// A forward proxy for tests: a node:http server that handles CONNECT only (as undici's
// ProxyAgent uses it for https origins), resolving the test names (*.hostsmith.test) to
// 127.0.0.1, and logging every tunnel it was asked for — opened or refused — with the local port
// of its own connection onward, which the far end sees as the peer port.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface Tunnel {
  /** host:port as the client asked (CONNECT's target). */
  target: string;
  /** 200 when the tunnel opened; 403 for names it does not resolve, 502 when it could not connect; 0 while connecting. */
  status: number;
  /** The local port of the proxy's connection to the target (what the target sees as the peer). */
  localPort?: number;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY. */
  url: string;
  readonly tunnels: Tunnel[];
  /** Plain (non-CONNECT) proxy requests, which this proxy refuses: method and URL. */
  readonly plain: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(
  opts: { suffix: string } = { suffix: '.hostsmith.test' },
): Promise<ConnectProxy> {
  const tunnels: Tunnel[] = [];
  const plain: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    plain.push(`${req.method} ${req.url}`);
    res.writeHead(405, { 'content-type': 'text/plain' }).end('CONNECT only\n');
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const match = /^([^:]+):(\d+)$/.exec(target);
    const entry: Tunnel = { target, status: 0 };
    tunnels.push(entry);
    if (!match?.[1] || !match[2] || !match[1].toLowerCase().endsWith(opts.suffix)) {
      entry.status = 403;
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const onward = connect(Number(match[2]), '127.0.0.1');
    sockets.add(onward);
    onward.on('close', () => sockets.delete(onward));
    onward.once('connect', () => {
      entry.status = 200;
      entry.localPort = onward.localPort;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) onward.write(head);
      onward.pipe(client);
      client.pipe(onward);
    });
    onward.on('error', () => {
      if (entry.status === 0) {
        entry.status = 502;
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      } else client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: ConnectProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    plain,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}
