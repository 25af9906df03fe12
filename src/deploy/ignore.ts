// What a deploy leaves out: the ONE list (the walker applies it, deploy_directory's description
// quotes it). Names are compared case-insensitively, because Windows and macOS file systems are
// case-insensitive and write these names in whatever case they like (THUMBS.DB, Desktop.INI).
//
// - Every name that starts with a dot (netlify's rule, stricter than wrangler's), so `.git`,
//   `.env`, `.DS_Store`, `.npmrc` never end up on a public website by accident. Except
//   `.well-known`, spelled exactly so (RFC 8615; URLs are case-sensitive): sites need it
//   (security.txt, ACME).
// - The clutter desktops leave in folders: Windows' Thumbs.db, ehthumbs.db, desktop.ini,
//   $RECYCLE.BIN and System Volume Information; macOS' `Icon\r` (a custom folder icon; the name
//   really ends in a carriage return) and the __MACOSX folder its zip files carry.
// - node_modules: dependencies, never site content.

/** The names left out besides dot-names, as people usually see them written. */
export const IGNORED_NAMES: readonly string[] = [
  'Thumbs.db',
  'ehthumbs.db',
  'desktop.ini',
  'Icon\r',
  '$RECYCLE.BIN',
  'System Volume Information',
  '__MACOSX',
  'node_modules',
];

const IGNORED = new Set(IGNORED_NAMES.map((name) => name.toLowerCase()));

/** Whether a file or folder name is left out of a deploy (any letter case). */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return name !== '.well-known';
  return IGNORED.has(name.toLowerCase());
}

/** The rule in words, for the tool's description (`Icon\r` shown with its escape). */
export function ignoreRuleText(): string {
  const names = IGNORED_NAMES.map((name) => (name === 'Icon\r' ? 'Icon\\r (a macOS folder icon)' : name));
  return `names starting with a dot except .well-known (.git, .env, .DS_Store, …), and, in any letter case, ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
