import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The chaos soak owns processes, ports and a PostgreSQL of its own: one file at a time.
    fileParallelism: false,
  },
});
