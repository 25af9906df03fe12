// `hostsmith-mcp login`: the sign-in a tool call would start, run from a terminal. Prints the
// link (and opens the browser unless --no-browser), waits up to --timeout seconds, then says who
// signed in, with which scopes, and where the credentials were stored. Exit 1 on deny or timeout.
import { createInterface } from 'node:readline';
import { AuthError, createAuthHttp, createOAuthClient, type SignIn } from '../../auth/index.js';
import { ENV, type Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { createLogger } from '../../log.js';
import { KeychainUnavailable } from '../../store/keychain.js';
import { safeClientName } from '../../store/paths.js';
import { listClientFolders } from '../../store/profile.js';
import { fileProtection } from '../../store/protection.js';
import type { LoadedCredential } from '../../store/types.js';
import { configRoot, describeFolderChoice, describeSet, tokenLocation } from '../shared/credential-sets.js';
import { showElapsed } from '../shared/elapsed.js';
import { openWorkspace, type Workspace } from '../shared/workspace.js';

export const DEFAULT_TIMEOUT_SECONDS = 300;

export const HELP = `Usage: hostsmith-mcp login [--client NAME] [--profile NAME] [--read-only] [--no-browser] [--timeout SECONDS]

Signs in to Hostsmith ahead of time, the same sign-in a tool call would start: prints the link,
opens your browser (unless --no-browser), and waits for you to approve. With --no-browser you
may instead paste the address your browser could not open (http://127.0.0.1:…/callback?…). The credentials are
stored for one MCP client's folder; without --client, the only client folder there is.

Options:
  --client NAME       the MCP client the sign-in is for: claude-ai (Claude Desktop),
                      cursor-vscode (Cursor), visual-studio-code (VS Code), …
  --profile NAME      the profile to sign in (another Hostsmith account beside the
                      folder's others; default: default). The server must run with the
                      same --profile (or ${ENV.profile}) to use it
  --read-only         sign in the read-only server's grant (sites:read domains:read),
                      kept apart from the profile's full one
  --no-browser        do not open a browser; open the printed link yourself
  --timeout SECONDS   how long to wait for you to finish (default ${DEFAULT_TIMEOUT_SECONDS})

Exit status: 0 when signed in; 1 when the sign-in was declined, timed out or failed;
2 for a usage error (no --client where it is needed, a bad --timeout).
`;

export interface LoginOptions {
  settings: Settings;
  io: IO;
  flags: Record<string, unknown>;
}

class Usage extends Error {
  readonly code = 'USAGE' as const;
}

function parseTimeout(raw: unknown): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || seconds < 1 || seconds > 86_400) {
    throw new Usage(`--timeout must be a whole number of seconds from 1 to 86400, not "${String(raw)}"`);
  }
  return seconds;
}

/** --client, or the only client folder there is. */
function pickFolder(settings: Settings): string {
  if (settings.client) return safeClientName(settings.client);
  const root = configRoot(settings);
  const found = listClientFolders(root);
  if (found.length === 1) return found[0]!;
  throw new Usage(describeFolderChoice(root, found).trimEnd());
}

export async function run(opts: LoginOptions): Promise<number> {
  const { settings, io } = opts;
  let timeoutSeconds: number;
  let folder: string;
  try {
    timeoutSeconds = parseTimeout(opts.flags.timeout);
    folder = pickFolder(settings);
  } catch (error) {
    if (!(error instanceof Usage)) throw error;
    io.err(`hostsmith-mcp login: ${error.message}\n`);
    return 2;
  }

  const log = createLogger({ write: io.err });
  let workspace: Workspace;
  try {
    workspace = await openWorkspace({ settings, clientName: folder, log, interactive: true });
  } catch (error) {
    io.err(`hostsmith-mcp login: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    // A sign-in already stored: replaced by the new one, and its grant revoked afterwards, so that
    // signing in again does not leave a 90-day grant behind.
    let previous: Awaited<ReturnType<typeof workspace.store.read>>;
    try {
      previous = await workspace.store.read(workspace.session.resource);
    } catch (error) {
      // Kept in a keychain out of reach here: a new sign-in into the file would strand that grant.
      if (error instanceof KeychainUnavailable) {
        io.err(`hostsmith-mcp login: ${error.message}\n`);
        return 1;
      }
      previous = undefined;
    }
    io.out(
      `Signing in to Hostsmith (${settings.apiUrl}) for client folder ${describeSet(folder, workspace.profile, settings.readOnly)}.\n`,
    );
    // A new registration for the new sign-in: a browser still signed in at Hostsmith may have the
    // second sign-in folded into the client's first grant, and revoking "the old grant" would then
    // end the new one too. Another client's grant is surely a separate one.
    if (previous?.client_registered_dynamically) {
      await workspace.store.removeRegistration(previous.issuer).catch(() => {});
    }
    let signIn: SignIn;
    try {
      // The session prints the link on stderr and opens the browser unless --no-browser.
      signIn = await workspace.session.beginSignIn({ openBrowser: !settings.noBrowser });
    } catch (error) {
      io.err(`hostsmith-mcp login: could not start the sign-in: ${(error as Error).message}\n`);
      return 1;
    }
    io.out(`Open this link to sign in, if no browser opened: ${signIn.url}\n`);
    io.out(`Waiting up to ${timeoutSeconds} s for you to finish…\n`);
    const stopPasting = settings.noBrowser ? acceptPastedCallbacks(signIn, io) : () => {};
    const stopTicker = showElapsed({
      write: io.out,
      isTTY: io.isTTY,
      label: 'Waiting for you to finish in the browser',
      limitSeconds: timeoutSeconds,
    });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000);
    });
    let outcome: Awaited<SignIn['done']> | 'timeout';
    try {
      outcome = await Promise.race([signIn.done, timedOut]);
    } catch (error) {
      const why =
        error instanceof AuthError && error.code === 'ACCESS_DENIED'
          ? 'the sign-in was declined in the browser'
          : (error as Error).message;
      io.err(`hostsmith-mcp login: not signed in: ${why}\n`);
      return 1;
    } finally {
      clearTimeout(timer);
      stopTicker();
      stopPasting();
    }
    if (outcome === 'timeout') {
      signIn.cancel('login timed out');
      io.err(
        `hostsmith-mcp login: not signed in: nobody finished the sign-in within ${timeoutSeconds} s (--timeout).\n`,
      );
      return 1;
    }

    const cred = await workspace.store.read(workspace.session.resource);
    if (previous?.refresh_token && previous.refresh_token !== cred?.refresh_token) {
      // The same (pre-registered) client: the grant may be one and the same, so it is left alone.
      const ended =
        previous.client_id !== cred?.client_id && (await revokePrevious(previous, workspace, settings));
      io.out(
        ended
          ? 'The previous sign-in for this folder was replaced and revoked.\n'
          : previous.client_id === cred?.client_id
            ? 'The previous sign-in for this folder was replaced (with the same OAuth client it may be the same grant, so it was not revoked; it ends within 90 days, or from your Hostsmith account page).\n'
            : 'The previous sign-in for this folder was replaced (revoking it failed; it ends within 90 days, or from your Hostsmith account page).\n',
      );
    }
    const where = tokenLocation(
      workspace.store,
      folder,
      { profile: workspace.profile, readOnly: settings.readOnly },
      workspace.session.resource,
      cred?.storage,
    );
    io.out(
      [
        `Signed in to Hostsmith as ${outcome.email} (home partition: ${outcome.homePartition}).`,
        `Scopes: ${cred?.scope ?? '(unknown)'}`,
        where.storage === 'keychain'
          ? `Credentials stored in the ${where.where}; details in ${workspace.store.file}`
          : `Credentials stored in ${where.where} (${fileProtection()})`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await workspace.close().catch(() => {});
  }
}

/** RFC 7009 on the replaced grant's refresh token (which ends it); best effort. */
async function revokePrevious(
  previous: LoadedCredential,
  workspace: Workspace,
  settings: Settings,
): Promise<boolean> {
  const http = createAuthHttp();
  try {
    const oauth = createOAuthClient({
      apiUrl: workspace.session.resource,
      store: workspace.store,
      http,
      log: createLogger({ write: () => {}, level: 'error' }),
      ...(settings.clientId ? { clientId: settings.clientId } : {}),
    });
    const grant = { issuer: previous.issuer, clientId: previous.client_id };
    return await oauth.revoke(grant, previous.refresh_token, 'refresh_token');
  } catch {
    return false;
  } finally {
    await http.close().catch(() => {});
  }
}

/**
 * With --no-browser the browser may run on another machine, where our loopback callback is out of
 * reach: the person pastes the address it failed to open (http://127.0.0.1:…/callback?code=…), and
 * it is checked like a real callback. Returns a function that stops reading.
 */
function acceptPastedCallbacks(signIn: SignIn, io: IO): () => void {
  if (!signIn.paste) return () => {};
  const paste = signIn.paste;
  io.out(
    'If your browser runs on another machine, paste the address it could not open here and press Enter.\n',
  );
  const lines = createInterface({ input: io.stdin, terminal: false });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    void paste(line).then(({ ok, message }) => {
      if (!ok) io.err(`hostsmith-mcp login: ${message}\n`);
    });
  });
  return () => {
    lines.close();
    io.stdin.pause();
  };
}
