import { defineConfig } from 'vitest/config';

// Each test file runs in its own forked process: chDB allows one data folder per process,
// and native addons (onnxruntime, chdb, sharp) are safer in processes than in threads.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    // Commands spawned by tests run the sources under test, never a stale dist/ build.
    env: { XUELIANG_FROM_SOURCE: '1' },
  },
});
