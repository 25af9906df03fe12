// Imports oidc-provider without its import-time notice. It warns on every Node.js older than
// 22 LTS; the project supports Node 20.18+, where the provider works, and the notice would
// land in every sandbox run and test output.
import type * as OidcProvider from 'oidc-provider';

type Module = typeof OidcProvider;
let loading: Promise<Module> | undefined;

export function loadOidcProvider(): Promise<Module> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
      warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
