import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes, not worker threads: sandbox tests load isolated-vm, which
    // needs --no-node-snapshot on Node 20+, and crash tests fork and kill children.
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--no-node-snapshot'] } },
    testTimeout: 30_000,
    // Set-up starts runner processes and builds projects: generous under a loaded 2-core CI machine.
    hookTimeout: 60_000,
  },
});
