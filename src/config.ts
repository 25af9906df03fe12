// Every setting, its flag, its environment variable and its default: one place per fact.
// Flags override the environment, which overrides the defaults.
import * as z from 'zod/v4';
import { profileNameProblem } from './store/profile.js';

export const DEFAULT_API_URL = 'https://api.hostsmith.net';
export const DEFAULT_SIGN_IN_WAIT_SECONDS = 45;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
export const SCOPES = ['sites:read', 'sites:write', 'domains:read', 'files:write'] as const;

export const ENV = {
  apiUrl: 'HOSTSMITH_API_URL',
  client: 'HOSTSMITH_MCP_CLIENT',
  configDir: 'HOSTSMITH_MCP_CONFIG_DIR',
  storage: 'HOSTSMITH_MCP_STORAGE',
  clientId: 'HOSTSMITH_CLIENT_ID',
  requestTimeout: 'HOSTSMITH_MCP_REQUEST_TIMEOUT',
  browser: 'BROWSER',
  confirm: 'HOSTSMITH_MCP_CONFIRM',
  profile: 'HOSTSMITH_MCP_PROFILE',
  readOnly: 'HOSTSMITH_MCP_READ_ONLY',
} as const;

const isLoopbackHost = (host: string) => ['127.0.0.1', '[::1]', 'localhost'].includes(host);

/** https everywhere; http only for a loopback host (a local sandbox). */
export const SecureUrlSchema = z
  .string()
  .url({ message: 'must be an absolute URL' })
  .refine(
    (value) => {
      if (!URL.canParse(value)) return true; // .url() has already said what is wrong
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    },
    { message: 'must use https:// (http:// is allowed only for 127.0.0.1, ::1 or localhost)' },
  )
  // One spelling per API, so that credentials keyed by it are found again.
  .transform((value) => value.replace(/\/+$/, ''));

export const StorageSchema = z.enum(['auto', 'keychain', 'file']);

/** auto: ask the person before destroying, where the client can ask; never: leave it to the host. */
export const ConfirmSchema = z.enum(['auto', 'never']);
export type ConfirmMode = z.infer<typeof ConfirmSchema>;

export const SettingsSchema = z.object({
  apiUrl: SecureUrlSchema,
  /** The client folder name as given by --client / env; undefined = take it from the MCP client. */
  client: z.string().min(1).optional(),
  configDir: z.string().min(1).optional(),
  storage: StorageSchema,
  clientId: z.string().min(1).optional(),
  noBrowser: z.boolean(),
  signInWaitSeconds: z.number().int().min(1).max(3600),
  /** How long one Hostsmith API request may go without an answer. */
  requestTimeoutSeconds: z.number().int().min(1).max(600),
  confirm: ConfirmSchema,
  /** The profile (one sign-in per profile); undefined = "default", or every profile for status/logout. */
  profile: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const problem = value === undefined ? undefined : profileNameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** List only the read tools, and hold a read-only grant kept apart from the full server's. */
  readOnly: z.boolean(),
  /** Tool sets, tools to keep and tools to drop (names checked against the catalogue in mcp/). */
  toolsets: z.array(z.string()).optional(),
  tools: z.array(z.string()).optional(),
  excludeTools: z.array(z.string()).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** The flags every command shares, for node:util parseArgs. */
export const SETTINGS_FLAGS = {
  'api-url': { type: 'string' },
  client: { type: 'string' },
  'config-dir': { type: 'string' },
  storage: { type: 'string' },
  'client-id': { type: 'string' },
  'no-browser': { type: 'boolean' },
  'sign-in-wait': { type: 'string' },
  'request-timeout': { type: 'string' },
  confirm: { type: 'string' },
  profile: { type: 'string' },
  'read-only': { type: 'boolean' },
  toolsets: { type: 'string' },
  tools: { type: 'string' },
  'exclude-tools': { type: 'string' },
} as const;

export interface SettingsFlags {
  'api-url'?: string;
  client?: string;
  'config-dir'?: string;
  storage?: string;
  'client-id'?: string;
  'no-browser'?: boolean;
  'sign-in-wait'?: string;
  'request-timeout'?: string;
  confirm?: string;
  profile?: string;
  'read-only'?: boolean;
  toolsets?: string;
  tools?: string;
  'exclude-tools'?: string;
}

export class SettingsError extends Error {
  readonly code = 'INVALID_SETTING' as const;
}

/** "a, b,c" → ['a','b','c']; absent or blank → undefined. */
const nameList = (value: string | undefined) =>
  value === undefined || value.trim() === ''
    ? undefined
    : value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);

/** 1/true/yes (any case) turn a boolean variable on. */
const envFlag = (value: string | undefined) => /^(1|true|yes)$/i.test(value?.trim() ?? '');

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value;

/** flags > env > defaults, validated; a bad value names the flag, its variable and the rule. */
export function resolveSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const wait = flags['sign-in-wait'];
  const timeout = nonEmpty(flags['request-timeout']) ?? nonEmpty(env[ENV.requestTimeout]);
  const raw = {
    apiUrl: nonEmpty(flags['api-url']) ?? nonEmpty(env[ENV.apiUrl]) ?? DEFAULT_API_URL,
    client: nonEmpty(flags.client) ?? nonEmpty(env[ENV.client]),
    configDir: nonEmpty(flags['config-dir']) ?? nonEmpty(env[ENV.configDir]),
    storage: nonEmpty(flags.storage) ?? nonEmpty(env[ENV.storage]) ?? 'auto',
    clientId: nonEmpty(flags['client-id']) ?? nonEmpty(env[ENV.clientId]),
    noBrowser: flags['no-browser'] ?? false,
    signInWaitSeconds: wait === undefined ? DEFAULT_SIGN_IN_WAIT_SECONDS : Number(wait),
    requestTimeoutSeconds: timeout === undefined ? DEFAULT_REQUEST_TIMEOUT_SECONDS : Number(timeout),
    confirm: nonEmpty(flags.confirm) ?? nonEmpty(env[ENV.confirm]) ?? 'auto',
    profile: nonEmpty(flags.profile) ?? nonEmpty(env[ENV.profile]),
    readOnly: flags['read-only'] ?? envFlag(env[ENV.readOnly]),
    toolsets: nameList(flags.toolsets),
    tools: nameList(flags.tools),
    excludeTools: nameList(flags['exclude-tools']),
  };
  const parsed = SettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0]) as keyof typeof SETTING_NAMES;
  throw new SettingsError(`${SETTING_NAMES[key] ?? key}: ${issue.message}`);
}

const SETTING_NAMES: Record<keyof Settings, string> = {
  apiUrl: `--api-url / ${ENV.apiUrl}`,
  client: `--client / ${ENV.client}`,
  configDir: `--config-dir / ${ENV.configDir}`,
  storage: `--storage / ${ENV.storage} (auto, keychain or file)`,
  clientId: `--client-id / ${ENV.clientId}`,
  noBrowser: '--no-browser',
  signInWaitSeconds: '--sign-in-wait (whole seconds, 1 to 3600)',
  requestTimeoutSeconds: `--request-timeout / ${ENV.requestTimeout} (whole seconds, 1 to 600)`,
  confirm: `--confirm / ${ENV.confirm} (auto or never)`,
  profile: `--profile / ${ENV.profile}`,
  readOnly: `--read-only / ${ENV.readOnly}`,
  toolsets: '--toolsets',
  tools: '--tools',
  excludeTools: '--exclude-tools',
};

/** The settings part of every command's --help. */
export const SETTINGS_HELP = `Settings (flag > environment > default):
  --api-url URL        ${ENV.apiUrl}        the Hostsmith API (default ${DEFAULT_API_URL})
  --client NAME        ${ENV.client}     the client folder name (default: the MCP client's own name,
                                            e.g. claude-ai, cursor-vscode, visual-studio-code)
  --config-dir DIR     ${ENV.configDir} a root folder instead of $XDG_CONFIG_HOME, else ~/.config
                                            (on every platform; Windows: %USERPROFILE%\\.config)
  --storage KIND       ${ENV.storage}    auto (default: OS keychain if there is one, else the file),
                                            keychain, or file
  --client-id ID       ${ENV.clientId}       a pre-registered OAuth client id (default: dynamic registration)
  --no-browser                               never launch a browser; print the sign-in link instead
  --sign-in-wait SECS                        how long a tool call waits for you to finish signing in
                                            (default ${DEFAULT_SIGN_IN_WAIT_SECONDS})
  --request-timeout SECS ${ENV.requestTimeout}
                                            how long one Hostsmith request may go without
                                            an answer (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})
  --confirm auto|never ${ENV.confirm}   auto (default): ask you before deleting (delete_site,
                                            delete_file, a deploy that removes files) where the
                                            client can ask; never: leave it to the host's approval
  --profile NAME       ${ENV.profile}    a separate sign-in (another Hostsmith account) under
                                            this client folder (default: default); names are
                                            a-z, 0-9, "-", "_", at most 32 characters
  --read-only          ${ENV.readOnly}=1
                                            list only the read tools and sign in with a read-only
                                            grant, kept apart from the full server's
  --toolsets A,B                             tool sets to list: account, sites, files, deploy, domains
                                            (default: all); sign-in asks only what they need
  --tools NAME,...                           list only these tools
  --exclude-tools NAME,...                   leave these tools out
  BROWSER=CMD                                the browser command line; %s is replaced by the URL,
                                            else the URL is appended`;
