import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker per core minus one: a single worker on these 2-core machines, while
    // many suites wait on child processes (CLI, npm, Chromium). Two workers: 3.8 min instead of ~7.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
