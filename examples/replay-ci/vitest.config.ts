import { defineConfig } from 'vitest/config';

// The replay test starts sandbox runner processes (isolated-vm needs --no-node-snapshot there,
// which Whisker passes itself); forks keep it out of worker threads.
export default defineConfig({
  test: {
    include: ['examples/replay-ci/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--no-node-snapshot'] } },
    testTimeout: 60_000,
  },
});
