// The soak knob. `npm run soak` (vitest --mode soak, see vitest.config.ts) sets HOSTSMITH_SOAK=1
// and runs only the files that have a long version; each such file picks its sizes with soak().
// SOAK_MINUTES shortens (or lengthens) a soak run, e.g. `SOAK_MINUTES=1 npm run soak`.

export const SOAKING = process.env.HOSTSMITH_SOAK === '1';

/** Minutes a soak run lasts: SOAK_MINUTES when set (a positive number), else `fallback`. */
export function soakMinutes(fallback: number): number {
  const raw = process.env.SOAK_MINUTES;
  if (raw === undefined || raw === '') return fallback;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new Error(`SOAK_MINUTES must be a positive number of minutes (got "${raw}")`);
  }
  return minutes;
}

/** The test command's sizes, or the soak's when HOSTSMITH_SOAK=1. */
export function soak<T>(sizes: { test: T; soak: () => T }): T {
  return SOAKING ? sizes.soak() : sizes.test;
}
