#!/usr/bin/env node
// The published entry point. On Node 22+, keep V8's compiled code of the bundle on disk (in the
// OS temp folder, or NODE_COMPILE_CACHE) so later starts skip compiling it; this must run before
// the program is imported, hence the dynamic import.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
