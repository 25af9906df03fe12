import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files spawn servers and a sandbox each; two cores, so keep parallelism modest.
    maxWorkers: 4,
  },
});
