import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that load the whole machine (16 server processes on two cores): they run after every
 * other file, one at a time, so they neither disturb nor are disturbed by timing-sensitive tests.
 */
const ALONE = [
  'test/adversarial/refresh-storm.test.ts',
  // The "answered at once" rule is 1,000 ms from asking to the answer: on a loaded machine a
  // stdio round trip alone came close (it failed twice at load average 20), so it runs alone.
  'test/e2e/elicitation-host-answers.test.ts',
  // The same 1,000 ms rule through a real Claude Code / Codex and the tap's extra node hop: a
  // cancel or decline slower than that reads as the person's "no", and the tab is never opened.
  'test/hosts/claude-code.test.ts',
  'test/hosts/codex.test.ts',
  // 50 kills in 4 lanes (hundreds of processes) on 2 s tokens: it loads the machine, and a checker
  // whose token expires before it reads the account is tolerated only twice.
  'test/adversarial/crash-mid-write.test.ts',
  // The bench smoke run: a sandbox, npm installs, two npx runs and two servers at once.
  'test/bench/smoke.test.ts',
];

/**
 * Files with a long version, read from HOSTSMITH_SOAK=1 (see test/helpers/soak.ts). `npm run
 * soak` (vitest --mode soak) runs only these, one at a time; the test command never does.
 */
const SOAK = ['test/adversarial/refresh-storm.test.ts', 'test/adversarial/crash-mid-write.test.ts'];

export default defineConfig(({ mode }) => ({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects:
      mode === 'soak'
        ? [
            {
              extends: true,
              test: {
                name: 'soak',
                include: SOAK,
                env: { HOSTSMITH_SOAK: '1' },
                maxWorkers: 1,
                fileParallelism: false,
              },
            },
          ]
        : [
            {
              extends: true,
              test: {
                name: 'suite',
                include: ['test/**/*.test.ts'],
                exclude: [...configDefaults.exclude, ...ALONE],
                // End-to-end files spawn servers and a sandbox each; two cores, so keep parallelism modest.
                maxWorkers: 4,
              },
            },
            {
              extends: true,
              test: {
                name: 'alone',
                include: ALONE,
                maxWorkers: 1,
                fileParallelism: false,
                // After the suite: a higher group order runs once every lower one has finished.
                sequence: { groupOrder: 1 },
              },
            },
          ],
  },
}));
