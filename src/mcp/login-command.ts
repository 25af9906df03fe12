// The terminal command that signs in where this server looks: `npx hostsmith-mcp login` with
// every setting that decides where the credentials go (or which Hostsmith) and is not the
// default, quoted for the shell a person on that platform types into. Pure: the platform is a
// parameter, so each platform's rules are tested on any machine.
import { DEFAULT_API_URL } from '../config.js';
import { type Platform, quoteArg } from '../shell-quote.js';
import { DEFAULT_PROFILE } from '../store/profile.js';

export interface LoginTarget {
  /** The client folder this server uses (from --client, or from the MCP client's name). */
  clientFolder: string;
  apiUrl: string;
  /** --config-dir as an absolute path (a terminal's working folder is not the server's). */
  configDir?: string;
  storage: 'auto' | 'keychain' | 'file';
  /** --profile, when not the default one. */
  profile?: string;
  /** A read-only server's grant lives apart: login must sign in there, asking for read scopes. */
  readOnly?: boolean;
}

export function loginCommand(target: LoginTarget, platform: Platform): string {
  // --client always: without it, login picks a folder only when there is exactly one.
  const flags: Array<[string, string]> = [['--client', target.clientFolder]];
  if (target.apiUrl !== DEFAULT_API_URL) flags.push(['--api-url', target.apiUrl]);
  if (target.configDir !== undefined) flags.push(['--config-dir', target.configDir]);
  if (target.storage !== 'auto') flags.push(['--storage', target.storage]);
  if (target.profile !== undefined && target.profile !== DEFAULT_PROFILE)
    flags.push(['--profile', target.profile]);
  const args = flags.map(([flag, value]) => `${flag} ${quoteArg(value, platform)}`);
  if (target.readOnly) args.push('--read-only');
  return ['npx hostsmith-mcp login', ...args].join(' ');
}
