// The pages our loopback server shows in the person's browser: one per outcome, in plain
// words, self-contained (no external assets, no scripts), every interpolated value escaped.

export type PageKind =
  | 'success'
  | 'denied'
  | 'expired'
  | 'link_used'
  | 'wrong_state'
  | 'wrong_browser'
  | 'failed'
  | 'not_found';

export interface PageDetails {
  /** The account that signed in (success). */
  email?: string;
  /** What went wrong, in words a person can act on (failed). */
  message?: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const AGAIN = 'To try again, ask your agent to retry, or run <code>hostsmith-mcp login</code>.';

function content(kind: PageKind, details: PageDetails): { title: string; body: string; ok: boolean } {
  switch (kind) {
    case 'success':
      return {
        ok: true,
        title: 'Signed in',
        body: `<p>You're signed in to Hostsmith${
          details.email ? ` as <strong>${escapeHtml(details.email)}</strong>` : ''
        }.</p><p>You can close this tab.</p>`,
      };
    case 'denied':
      return {
        ok: false,
        title: 'Sign-in cancelled',
        body: `<p>You chose not to let this app use your Hostsmith account, so nothing was shared.</p><p>${AGAIN}</p>`,
      };
    case 'expired':
      return {
        ok: false,
        title: 'This sign-in link has expired',
        body: `<p>This link was already used, or it waited too long.</p><p>${AGAIN}</p>`,
      };
    case 'link_used':
      // The start link again while its sign-in still waits: most likely the same person, in a
      // second tab. Send them back to the first one rather than to a retry that would only join
      // this same sign-in.
      return {
        ok: false,
        title: 'This sign-in link was already used',
        body: '<p>The link works once, in the browser that opened it first. Nothing was changed.</p><p>Finish signing in in the tab it opened. If you closed that tab, this sign-in ends by itself within 10 minutes; then ask your agent to try again.</p>',
      };
    case 'wrong_state':
      return {
        ok: false,
        title: 'This sign-in does not match',
        body: `<p>This page belongs to a different sign-in than the one waiting here (perhaps an older tab). Nothing was changed.</p><p>Use the newest sign-in link. ${AGAIN}</p>`,
      };
    case 'wrong_browser':
      return {
        ok: false,
        title: 'Finish in the browser where you started',
        body: '<p>This sign-in was started from another browser or tab, so it cannot be finished here. Nothing was changed.</p><p>Go back to the browser that opened the sign-in link.</p>',
      };
    case 'failed':
      return {
        ok: false,
        title: 'Sign-in failed',
        body: `<p>${escapeHtml(details.message ?? 'Something went wrong while signing you in.')}</p><p>${AGAIN}</p>`,
      };
    case 'not_found':
      return {
        ok: false,
        title: 'Nothing here',
        body: '<p>This local address only finishes signing in to Hostsmith.</p>',
      };
  }
}

export function renderPage(kind: PageKind, details: PageDetails = {}): string {
  const { title, body, ok } = content(kind, details);
  const accent = ok ? '#1a7f37' : '#b42318';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Hostsmith</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #1f2328; }
  main { max-width: 32rem; margin: 12vh auto; padding: 2rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; color: ${accent}; }
  p { margin: .5rem 0; }
  code { background: #eef0f3; padding: .1rem .3rem; border-radius: 4px; }
  footer { margin-top: 1.5rem; font-size: .85rem; color: #656d76; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
<footer>Hostsmith MCP</footer>
</main>
</body>
</html>
`;
}
