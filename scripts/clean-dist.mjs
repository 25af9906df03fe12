// Empties dist/ before a build, so a module whose source was removed or renamed cannot linger in
// it and end up in the published package (`files` ships dist/ whole).
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
