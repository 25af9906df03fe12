// Said once per process, before anything is stored: a Windows config root outside the user's
// profile is not protected by the profile's access control list.
import { homedir } from 'node:os';
import type { Settings } from '../../config.js';
import type { IO } from '../../io.js';
import { configHome } from '../../store/paths.js';
import { outsideProfileWarning } from '../../store/protection.js';

export function warnIfOutsideProfile(
  settings: Pick<Settings, 'configDir'>,
  io: Pick<IO, 'err' | 'env'>,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): void {
  const root = configHome({ configDir: settings.configDir, env: io.env, platform, home });
  const warning = outsideProfileWarning(root, home, platform);
  if (warning) io.err(`hostsmith-mcp: warning: ${warning}\n`);
}
