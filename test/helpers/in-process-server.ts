// The real McpServer (createServer, every tool) in this process, on the SDK's in-memory
// transport pair, with the official client on the other end. Its HostsmithClient is real too;
// only the network is the recording mock of test/helpers/mock-api.ts, and the Session serves a
// fixed token. For driving many tool calls fast (property tests) or one exact call.
//
//   const mcp = await inProcessServer();
//   const result = await mcp.client.callTool({ name: 'get_site', arguments: { site_id: 'site_x' } });
//   mcp.sent; await mcp.close();
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { Session } from '../../src/auth/types.js';
import { HostsmithClient } from '../../src/hostsmith/client.js';
import { createLogger } from '../../src/log.js';
import { createServer } from '../../src/mcp/server.js';
import type { AnyToolDef } from '../../src/mcp/tool.js';
import { MOCK_ORIGIN, mockApi } from './mock-api.js';
import type { SentRequest } from './tool-fuzz.js';

export interface InProcessServer {
  client: Client;
  /** Every API request so far (clear it with `sent.length = 0`). */
  sent: SentRequest[];
  /** Every line the server logged. */
  logged: string[];
  close(): Promise<void>;
}

/** `tools`: the tools to register instead of every tool (e.g. a fake one). */
export async function inProcessServer(
  opts: { tools?: readonly AnyToolDef[] } = {},
): Promise<InProcessServer> {
  const mock = mockApi();
  const session: Session = {
    accessToken: async () => 'in-process-access-token',
    afterUnauthorized: async () => 'in-process-access-token',
    beginSignIn: async () => {
      throw new Error('no sign-in in this test');
    },
    account: async () => ({ email: 'mock@example.com', homePartition: 'us' }),
  };
  const logged: string[] = [];
  const log = createLogger({ write: (line) => logged.push(line) });
  const api = new HostsmithClient({
    apiUrl: MOCK_ORIGIN,
    session,
    log,
    userAgent: 'hostsmith-mcp-test',
    dispatcher: mock.dispatcher,
  });
  const server = createServer({
    version: 'test',
    workspaceFor: async () => ({ clientFolder: 'test', session, api }),
    signInWaitMs: 0,
    openBrowser: async () => ({ launched: false, reason: 'a test' }),
    loginCommand: () => ({ command: 'hostsmith-mcp login', shell: 'a terminal' }),
    log,
    ...(opts.tools ? { tools: opts.tools } : {}),
  });
  const client = new Client({ name: 'in-process', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    sent: mock.sent,
    logged,
    async close() {
      await client.close();
      await api.close();
      await mock.dispatcher.close();
    },
  };
}
