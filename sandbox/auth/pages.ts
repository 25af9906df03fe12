// The pages a person sees at the sandbox's authorization server: sign-in, consent, and errors.
// Self-contained HTML and CSS (no external assets). Element names and ids are stable because
// scripted browsers and Playwright tests drive them:
//   sign-in  <form id="login">   input[name=email], input[name=password], button[name=login], button[name=deny]
//   consent  <form id="consent"> button[name=approve], button[name=deny]; each scope an li[data-scope]
import type { SandboxUser } from '../types.js';

const SCOPE_WORDS: Record<string, string> = {
  'sites:read': 'See your sites and their files',
  'sites:write': 'Create, change and delete your sites',
  'domains:read': 'See your shared and custom domains',
  'files:write': 'Upload and replace the files of your sites',
  offline_access: 'Stay signed in for up to 90 days, also when you are away',
  openid: 'Know who you are',
};

export function describeScope(scope: string): string {
  return SCOPE_WORDS[scope] ?? scope;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
    font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
  main{width:100%;max-width:420px;margin:24px;padding:32px;background:#fff;border-radius:12px;
    box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
  .brand{font-weight:700;letter-spacing:.02em;color:#4f46e5;margin:0 0 4px}
  .badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:999px;background:#fef3c7;color:#92400e}
  h1{font-size:22px;margin:8px 0 16px}
  label{display:block;font-size:14px;font-weight:600;margin:12px 0 4px}
  input{width:100%;padding:10px 12px;font:inherit;border:1px solid #d1d5db;border-radius:8px}
  input:focus{outline:2px solid #a5b4fc;border-color:#6366f1}
  .buttons{display:flex;gap:12px;margin-top:20px}
  button{flex:1;padding:10px 16px;font:inherit;font-weight:600;border-radius:8px;border:1px solid #d1d5db;
    background:#fff;color:#111827;cursor:pointer}
  button.primary{background:#4f46e5;border-color:#4f46e5;color:#fff}
  button:hover{filter:brightness(.95)}
  ul{padding-left:20px;margin:8px 0}
  li{margin:4px 0}
  code{font:14px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:1px 6px;border-radius:4px}
  .hint{margin-top:24px;padding:12px 16px;background:#f9fafb;border:1px solid #e5e7eb;border-radius:8px;font-size:14px}
  .hint ul{list-style:none;padding:0}
  .error{padding:10px 12px;border-radius:8px;background:#fee2e2;color:#991b1b;font-size:14px}
  .muted{color:#6b7280;font-size:14px}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Hostsmith sandbox</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="brand">Hostsmith <span class="badge">sandbox</span></p>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPage {
  action: string;
  clientName: string;
  users: readonly SandboxUser[];
  password: string;
  email?: string;
  error?: string;
}

export function signInPage(p: SignInPage): string {
  const users = p.users
    .map(
      (u) =>
        `<li data-email="${escapeHtml(u.email)}"><code>${escapeHtml(u.email)}</code> ${escapeHtml(u.name)}, home <code>${u.homePartition}</code></li>`,
    )
    .join('\n');
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p class="muted">to continue to <strong>${escapeHtml(p.clientName)}</strong></p>
${p.error ? `<p class="error" role="alert" id="error">${escapeHtml(p.error)}</p>` : ''}
<form id="login" method="post" action="${escapeHtml(p.action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(p.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="buttons">
<button type="submit" name="deny" value="deny" formnovalidate>Cancel</button>
<button type="submit" name="login" value="login" class="primary">Sign in</button>
</div>
</form>
<div class="hint">
<p>Sandbox users (password <code id="sandbox-password">${escapeHtml(p.password)}</code>):</p>
<ul id="users">
${users}
</ul>
</div>`,
  );
}

export interface ConsentPage {
  action: string;
  clientName: string;
  user: SandboxUser;
  scopes: readonly string[];
}

export function consentPage(p: ConsentPage): string {
  const scopes = p.scopes
    .map((s) => `<li data-scope="${escapeHtml(s)}">${escapeHtml(describeScope(s))}</li>`)
    .join('\n');
  return page(
    'Allow access',
    `<h1>Allow access?</h1>
<p><strong>${escapeHtml(p.clientName)}</strong> wants to use your Hostsmith account
<code>${escapeHtml(p.user.email)}</code> to:</p>
<ul id="scopes">
${scopes}
</ul>
<form id="consent" method="post" action="${escapeHtml(p.action)}">
<div class="buttons">
<button type="submit" name="deny" value="deny">Deny</button>
<button type="submit" name="approve" value="approve" class="primary">Approve</button>
</div>
</form>
<p class="muted">You can take this access back at any time.</p>`,
  );
}

export function errorPage(error: string, description?: string): string {
  return page(
    'Something went wrong',
    `<h1>Something went wrong</h1>
<p class="error" id="error" data-error="${escapeHtml(error)}"><strong>${escapeHtml(error)}</strong>${
      description ? `: ${escapeHtml(description)}` : ''
    }</p>
<p class="muted">Go back to the application and start the sign-in again.</p>`,
  );
}
