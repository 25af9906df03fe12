// Quoting one argument for a command line a person pastes into their terminal: a POSIX shell on
// Linux and macOS, PowerShell or cmd.exe on Windows (the same double quotes serve both).
import type { Platform } from './hosts.js';

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
const WINDOWS_PLAIN = /^[A-Za-z0-9_@+=:,./\\-]+$/;

export class UnquotableArgument extends Error {}

export function shellQuote(arg: string, platform: Platform): string {
  if (platform === 'win32') {
    if (WINDOWS_PLAIN.test(arg)) return arg;
    // PowerShell expands $ and ` inside "…", cmd expands %; no quoting serves both shells.
    if (/["$`%\r\n]/.test(arg)) {
      throw new UnquotableArgument(
        `${JSON.stringify(arg)} holds a character PowerShell or cmd would change (", $, \`, %); put it in the config file by hand`,
      );
    }
    return `"${arg}"`;
  }
  return PLAIN.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellLine(argv: readonly string[], platform: Platform): string {
  return argv.map((arg) => shellQuote(arg, platform)).join(' ');
}
