import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration suites share one PostgreSQL; each uses its own schema, so files may run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
