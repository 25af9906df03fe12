// The composition root shared by every command: for one client folder and one API, the store,
// the Session and the Hostsmith client, wired so that data flows one way (cli → mcp → hostsmith →
// auth → store). Built lazily: `serve` calls it on the first tool call, never at start.
import { join } from 'node:path';
import { createBrowserOpener, createSession, type HostsmithSession } from '../../auth/index.js';
import type { Settings } from '../../config.js';
import { HostsmithClient } from '../../hostsmith/client.js';
import type { Logger } from '../../log.js';
import { ALL_TOOLS } from '../../mcp/tools/index.js';
import { scopesFor, selectTools } from '../../mcp/tools/scopes.js';
import { openStore } from '../../store/open-store.js';
import { configHome, safeClientName } from '../../store/paths.js';
import { DEFAULT_PROFILE } from '../../store/profile.js';
import type { CredentialStore } from '../../store/types.js';
import { VERSION } from '../../version.js';

/** What each file of a deployed folder hashed to (see deploy/digest-cache.ts). */
const DIGEST_CACHE_FILE = 'deploy-digests.json';

export interface Workspace {
  clientFolder: string;
  /** The profile (--profile, else "default"): whose sign-in this is within the client folder. */
  profile: string;
  store: CredentialStore;
  session: HostsmithSession;
  api: HostsmithClient;
  /** The deploy digest cache's file: beside the credentials, one per profile (and read-only slot). */
  digestCache: string;
  /** Ends sign-ins and releases connections; `abort` cuts OAuth requests still under way. */
  close(options?: { abort?: boolean }): Promise<void>;
}

export interface OpenWorkspaceOptions {
  settings: Settings;
  /** The MCP client's own name (or --client); made filesystem-safe here. */
  clientName: string | undefined;
  log: Logger;
  /** Whether a browser may be launched for a sign-in (false for status/logout). */
  interactive: boolean;
  /** Told while a keychain call waits on the person (a macOS dialog). */
  onKeychainWait?: (message: string) => void;
}

export async function openWorkspace(opts: OpenWorkspaceOptions): Promise<Workspace> {
  const { settings, log } = opts;
  const clientFolder = safeClientName(opts.clientName ?? '');
  const profile = settings.profile ?? DEFAULT_PROFILE;
  const store = await openStore({
    root: configHome({ configDir: settings.configDir }),
    client: clientFolder,
    profile,
    readOnly: settings.readOnly,
    storage: settings.storage,
    log,
    ...(opts.onKeychainWait ? { onKeychainWait: opts.onKeychainWait } : {}),
  });
  // BROWSER is read from the environment by the opener; it wins over any guess about a display.
  const openBrowser = createBrowserOpener({ noBrowser: settings.noBrowser || !opts.interactive });
  const userAgent = `hostsmith-mcp/${VERSION}`;
  const session: HostsmithSession = createSession({
    apiUrl: settings.apiUrl,
    store,
    log,
    clientId: settings.clientId,
    // What the listed tools need, and no more (a read-only server: sites:read domains:read).
    scopes: scopesFor(selectTools(ALL_TOOLS, settings)),
    openBrowser,
    // Who signed in: asked of the API with the brand-new token, before anything is stored.
    describeAccount: (accessToken) =>
      HostsmithClient.describeAccount({
        apiUrl: settings.apiUrl,
        accessToken,
        userAgent,
        timeoutMs: settings.requestTimeoutSeconds * 1000,
      }),
  });
  const api = new HostsmithClient({
    apiUrl: settings.apiUrl,
    session,
    log,
    userAgent,
    timeoutMs: settings.requestTimeoutSeconds * 1000,
  });
  return {
    clientFolder,
    profile,
    store,
    session,
    api,
    // The store's folder exists with keychain storage too (oauth.json keeps the registration).
    digestCache: join(store.dir, DIGEST_CACHE_FILE),
    close: async (options = {}) => {
      await session.close(options);
      await api.close();
    },
  };
}
