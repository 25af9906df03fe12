// `hostsmith-mcp status`: for each credential set (client folder × profile × API), who is signed in, with
// which scopes, where the tokens live, when they run out, and — with one API call, refreshing
// first if needed — whether they still work. Never prints a token, with or without --json.
import { REFRESH_WINDOW_SECONDS, SignInRequired } from '../../auth/index.js';
import type { Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { createLogger, type Logger } from '../../log.js';
import type { CredentialStore } from '../../store/types.js';
import {
  configRoot,
  describeSet,
  loginHint,
  openFolders,
  refreshDaysLeft,
  selectFolders,
  tokenLocation,
} from '../shared/credential-sets.js';
import { openWorkspace } from '../shared/workspace.js';

export const HELP = `Usage: hostsmith-mcp status [--client NAME] [--profile NAME] [--json]

Shows, for each stored sign-in (every client folder under the config root, or only --client's;
every profile in each, or only --profile's; a read-only server's sign-in is listed apart): the
client folder, the profile, the API, the account and its home partition, the scopes the grant
holds, where the tokens
live (the file, or the OS keychain), when the access token expires, and how many days remain
of the 90-day refresh window. One API call (renewing the access token first if needed) says
whether the sign-in is valid, expired or revoked. Tokens are never shown.

Options:
  --client NAME   only this client folder
  --profile NAME  only this profile ("default" for the sign-in made without --profile)
  --json          one JSON document on stdout

Exit status: 0 when every sign-in found is valid; 1 otherwise (or when there is none).
`;

export type CheckState = 'valid' | 'expired' | 'revoked' | 'signed-out' | 'unknown';

export interface SetStatus {
  clientFolder: string;
  profile: string;
  /** A read-only server's grant (kept apart from the profile's full one). */
  readOnly: boolean;
  api: string;
  account: { email: string; homePartition: string } | null;
  scopes: string[];
  storage: 'file' | 'keychain' | null;
  /** The file path, or the keychain entry. */
  tokens: string | null;
  file: string;
  accessTokenExpiresAt: string | null;
  refreshWindowDaysLeft: number | null;
  status: CheckState;
  detail?: string;
}

export interface StatusReport {
  configRoot: string;
  sets: SetStatus[];
}

export interface StatusOptions {
  settings: Settings;
  io: IO;
  flags: Record<string, unknown>;
  /** Unix seconds (tests). */
  now?: () => number;
}

export async function run(opts: StatusOptions): Promise<number> {
  const { settings, io } = opts;
  const json = opts.flags.json === true;
  const log = createLogger({ write: io.err });
  const now = opts.now ?? (() => Date.now() / 1000);

  let report: StatusReport;
  try {
    report = await collect(settings, log, now);
  } catch (error) {
    io.err(`hostsmith-mcp status: ${(error as Error).message}\n`);
    return 1;
  }
  if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(render(report, settings, now));
  return report.sets.length > 0 && report.sets.every((s) => s.status === 'valid') ? 0 : 1;
}

async function collect(settings: Settings, log: Logger, now: () => number): Promise<StatusReport> {
  const folders = await openFolders(settings, selectFolders(settings), log);
  const sets: SetStatus[] = [];
  for (const { folder, profile, readOnly, store, resources } of folders) {
    for (const resource of resources) {
      sets.push(await check({ ...settings, readOnly }, log, now, { folder, profile, store }, resource));
    }
  }
  return { configRoot: configRoot(settings), sets };
}

async function check(
  settings: Settings,
  log: Logger,
  now: () => number,
  { folder, profile, store }: { folder: string; profile: string; store: CredentialStore },
  resource: string,
): Promise<SetStatus> {
  const base: SetStatus = {
    clientFolder: folder,
    profile,
    readOnly: settings.readOnly,
    api: resource,
    account: null,
    scopes: [],
    storage: null,
    tokens: null,
    file: store.file,
    accessTokenExpiresAt: null,
    refreshWindowDaysLeft: null,
    status: 'signed-out',
  };
  let before: Awaited<ReturnType<CredentialStore['read']>>;
  try {
    before = await store.read(resource);
  } catch (error) {
    // Kept in a keychain this process cannot reach: say so, and how to reach it.
    return { ...base, status: 'unknown', detail: (error as Error).message };
  }
  if (!before) {
    return { ...base, detail: 'the credentials file names this API, but its tokens are gone' };
  }
  const location = tokenLocation(
    store,
    folder,
    { profile, readOnly: settings.readOnly },
    resource,
    before.storage,
  );
  const describe = (cred: typeof before): SetStatus => ({
    ...base,
    account: cred.account ? { email: cred.account.email, homePartition: cred.account.homePartition } : null,
    scopes: cred.scope.split(' ').filter(Boolean),
    storage: location.storage,
    tokens: location.where,
    accessTokenExpiresAt: new Date(cred.expires_at * 1000).toISOString().replace('.000Z', 'Z'),
    refreshWindowDaysLeft: refreshDaysLeft(cred, REFRESH_WINDOW_SECONDS, now()),
  });
  const shown = describe(before);
  // One API call through the same Session and client a tool call uses: refreshes when needed,
  // and a refused grant is found out (and forgotten) exactly as the server would find it.
  const workspace = await openWorkspace({
    settings: { ...settings, apiUrl: resource, profile },
    clientName: folder,
    log,
    interactive: false,
  });
  try {
    await workspace.api.getAccount(before.account?.homePartition);
    const after = await store.read(resource);
    return { ...(after ? describe(after) : shown), status: 'valid' };
  } catch (error) {
    if (error instanceof SignInRequired) {
      const status: CheckState =
        error.reason === 'refresh_expired'
          ? 'expired'
          : error.reason === 'no_credentials'
            ? 'signed-out'
            : 'revoked';
      const login = loginHint(folder, profile, settings.readOnly);
      return { ...shown, status, detail: `${error.message}; run "${login}"` };
    }
    return { ...shown, status: 'unknown', detail: `could not check: ${(error as Error).message}` };
  } finally {
    await workspace.close().catch(() => {});
  }
}

function inWords(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

function render(report: StatusReport, settings: Settings, now: () => number): string {
  if (report.sets.length === 0) {
    const where =
      (settings.client ? `for client folder "${settings.client}" ` : '') +
      (settings.profile ? `for profile "${settings.profile}" ` : '');
    return `No Hostsmith sign-in stored ${where}under ${report.configRoot}.\nSign in with "hostsmith-mcp login --client NAME".\n`;
  }
  const folders = [...new Set(report.sets.map((s) => s.clientFolder))];
  const lines = [`Hostsmith sign-ins under ${report.configRoot} (client folders: ${folders.join(', ')})`];
  for (const s of report.sets) {
    lines.push('', `${describeSet(s.clientFolder, s.profile, s.readOnly)} · ${s.api}`);
    if (s.account)
      lines.push(`  account          ${s.account.email} (home partition: ${s.account.homePartition})`);
    if (s.scopes.length) lines.push(`  scopes           ${s.scopes.join(' ')}`);
    if (s.tokens) lines.push(`  tokens           ${s.tokens}`);
    if (s.storage === 'keychain') lines.push(`  details          ${s.file}`);
    if (s.accessTokenExpiresAt) {
      const left = Date.parse(s.accessTokenExpiresAt) / 1000 - now();
      lines.push(`  access token     expires ${s.accessTokenExpiresAt} (${inWords(left)})`);
    }
    if (s.refreshWindowDaysLeft !== null) {
      lines.push(`  refresh window   ${s.refreshWindowDaysLeft} of 90 days left`);
    }
    lines.push(`  status           ${s.status}${s.detail ? ` (${s.detail})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
