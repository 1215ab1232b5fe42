import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-temp.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest leaves one core free by default; on the 2-core machine that runs the files one by one
    maxWorkers: 2,
    // tests marked concurrent (the kill -9 cases) run at most three at a time within their file
    maxConcurrency: 3,
    reporters: ['default', './test/helpers/skip-reasons.ts'],
  },
});
