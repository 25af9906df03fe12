// Preload (node --import) that appends every module URL the program loads to the file named by
// MODULE_LOG, one per line: for tests of what is (not) loaded at startup.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    let file;
    export function initialize(data) { file = data.file; }
    export async function load(url, context, next) {
      appendFileSync(file, url + '\\n');
      return next(url, context);
    }
  `)}`,
  { data: { file: process.env.MODULE_LOG } },
);
