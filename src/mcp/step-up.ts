// A 403 whose WWW-Authenticate names insufficient_scope and the scope: the grant lacks what the
// call needs. A server that may grow asks the Session to require that scope and turns the error
// into SignInRequired, so the call goes through the same sign-in experience as the first one.
import { type Session, SignInRequired } from '../auth/types.js';
import { HostsmithError } from '../hostsmith/errors.js';

export function withStepUp<T>(call: () => Promise<T>, session: Session, enabled: boolean): () => Promise<T> {
  return async () => {
    try {
      return await call();
    } catch (error) {
      const scope = missingScope(error);
      if (!enabled || scope === undefined || !session.requireScope) throw error;
      await session.requireScope(scope);
      throw new SignInRequired('insufficient_scope');
    }
  };
}

function missingScope(error: unknown): string | undefined {
  if (!(error instanceof HostsmithError) || error.code !== 'insufficient_scope') return undefined;
  const scope = (error.details as { scope?: unknown } | undefined)?.scope;
  return typeof scope === 'string' && scope.trim() !== '' ? scope : undefined;
}
