import { createRequire } from 'node:module';

// dist/cli/ and src/cli/ both sit two levels under the package root.
const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const VERSION: string = pkg.version;
