import { createRequire } from 'node:module';

// dist/ and src/ both sit one level under the package root.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const VERSION: string = pkg.version;
