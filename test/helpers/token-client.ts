// The real HostsmithClient on one real access token from the sandbox: for integration tests of
// the client, the deploy engine and the tools. The Session is the only stand-in: it serves the
// token and cannot refresh or sign in (a 401 becomes SignInRequired).
//
//   const api = await tokenClient(sandbox, { email: 'lin@example.com' });
import { afterAll } from 'vitest';
import { USERS } from '../../sandbox/users.js';
import { type Session, SignInRequired } from '../../src/auth/types.js';
import { HostsmithClient, type HostsmithClientOptions } from '../../src/hostsmith/client.js';
import { createLogger } from '../../src/log.js';
import type { TestSandbox } from './sandbox.js';

export async function tokenClient(
  sandbox: TestSandbox,
  opts: { email?: string; scopes?: string[]; client?: Partial<HostsmithClientOptions> } = {},
): Promise<HostsmithClient> {
  const email = opts.email ?? 'ada@example.com';
  const token = await sandbox.token({ email, ...(opts.scopes ? { scopes: opts.scopes } : {}) });
  const user = USERS.find((u) => u.email === email);
  const session: Session = {
    accessToken: async () => token,
    afterUnauthorized: async () => {
      throw new SignInRequired('revoked');
    },
    beginSignIn: async () => {
      throw new Error('no sign-in in this test');
    },
    account: async () => (user ? { email: user.email, homePartition: user.homePartition } : undefined),
  };
  const api = new HostsmithClient({
    apiUrl: sandbox.api,
    session,
    log: createLogger({ write: () => {} }),
    userAgent: 'hostsmith-mcp-test',
    ...opts.client,
  });
  afterAll(() => api.close());
  return api;
}
