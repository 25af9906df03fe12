// The pages shown in the browser: plain words, escaped, nothing fetched from anywhere.
import { describe, expect, it } from 'vitest';
import { escapeHtml, type PageKind, renderPage } from '../../src/auth/callback-page.js';

const KINDS: PageKind[] = [
  'success',
  'denied',
  'expired',
  'link_used',
  'wrong_state',
  'wrong_browser',
  'failed',
  'not_found',
];

describe('callback pages', () => {
  it('says who signed in and that the tab can be closed', () => {
    const page = renderPage('success', { email: 'ada@example.com' });
    expect(page).toContain("You're signed in to Hostsmith as <strong>ada@example.com</strong>.");
    expect(page).toContain('You can close this tab.');
  });

  it('escapes everything it interpolates', () => {
    const page = renderPage('success', { email: '<script>alert("x")</script>@evil' });
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@evil');
    expect(renderPage('failed', { message: `it's <b>bad</b> & "odd"` })).toContain(
      'it&#39;s &lt;b&gt;bad&lt;/b&gt; &amp; &quot;odd&quot;',
    );
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it.each(KINDS)('%s is a self-contained page with no external assets or scripts', (kind) => {
    const page = renderPage(kind, { email: 'a@b.c', message: 'm' });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toMatch(/<title>[^<]+ · Hostsmith<\/title>/);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import|https?:\/\//i);
  });

  it('tells the person what to do next when it did not work', () => {
    expect(renderPage('denied')).toMatch(/nothing was shared.*hostsmith-mcp login/s);
    expect(renderPage('expired')).toMatch(/expired.*try again/is);
    expect(renderPage('wrong_state')).toMatch(/different sign-in.*newest sign-in link/s);
    expect(renderPage('link_used')).toMatch(/already used.*Finish signing in in the tab it opened/s);
  });
});
