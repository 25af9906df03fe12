// Types for scripts/build.mjs (plain Node ESM, so the bench can import it without tsx).
import type { BuildOptions, Plugin } from 'esbuild';

export const EXTERNAL: string[];
export const METAFILE: string;
export const BUNDLE_OPTIONS: BuildOptions;
export function toolSchemas(root: string): Promise<Record<string, unknown>>;
export function programOptions(
  root: string,
  outdir: string,
  schemas?: Record<string, unknown>,
): BuildOptions & { metafile: true };
/** Defers the SDK's top-level load of ajv to the first JSON Schema check (see build.mjs). */
export function lazyAjvPlugin(): Plugin;
