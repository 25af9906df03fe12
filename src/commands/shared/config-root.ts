// Said once per process, before anything is stored: a Windows config root outside the user's
// profile is not protected by the profile's access control list.
import { homedir } from 'node:os';
import type { IO } from '../../cli/io.js';
import type { Settings } from '../../config.js';
import { configHome } from '../../store/paths.js';
import { outsideProfileWarning } from '../../store/protection.js';

export function warnIfOutsideProfile(settings: Settings, io: IO): void {
  const warning = outsideProfileWarning(
    configHome({ configDir: settings.configDir, env: io.env }),
    homedir(),
  );
  if (warning) io.err(`hostsmith-mcp: warning: ${warning}\n`);
}
