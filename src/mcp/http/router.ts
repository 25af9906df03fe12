// Streamable HTTP, both protocol eras, behind one endpoint. 2026-07-28 requests carry everything
// in each request, so each is served by a fresh server (the SDK's createMcpHandler). 2025-era
// clients open a session with `initialize` and may be asked things mid-call (the sign-in dialog
// through elicitation), whose answers come back in later POSTs: those need a server that lives as
// long as the session, so each gets its own, kept by Mcp-Session-Id — as a stdio connection has.
import { randomUUID } from 'node:crypto';
import {
  createMcpHandler,
  isLegacyRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';

export interface RouterOptions {
  /** A server for one 2025-era session (its per-connection state lives as long as it does). */
  sessionServer(): McpServer;
  /** A server for one 2026-07-28 request. */
  requestServer(): McpServer;
  onerror(error: Error): void;
}

export interface Router {
  fetch(request: Request): Promise<Response>;
  /** Ends every session and aborts the calls under way. */
  close(): Promise<void>;
}

const jsonRpcError = (status: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status });

export function createRouter(opts: RouterOptions): Router {
  const modern = createMcpHandler(() => opts.requestServer(), { legacy: 'reject', onerror: opts.onerror });
  const sessions = new Map<
    string,
    { transport: WebStandardStreamableHTTPServerTransport; server: McpServer }
  >();

  const openSession = async (request: Request): Promise<Response> => {
    const server = opts.sessionServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onerror = opts.onerror;
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    // Not an initialize (the transport said why): nothing to keep.
    if (transport.sessionId === undefined) await server.close();
    return response;
  };

  return {
    async fetch(request) {
      if (!(await isLegacyRequest(request))) return modern.fetch(request);
      const id = request.headers.get('mcp-session-id');
      if (id !== null) {
        const session = sessions.get(id);
        // 404 tells a 2025 client to start a new session (the server restarted, say).
        if (!session) return jsonRpcError(404, 'Session not found: start a new one with initialize');
        return session.transport.handleRequest(request);
      }
      if (request.method === 'POST') return openSession(request);
      return jsonRpcError(400, 'Bad Request: no Mcp-Session-Id; a session starts with initialize');
    },
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled([modern.close(), ...open.map(({ server }) => server.close())]);
    },
  };
}
