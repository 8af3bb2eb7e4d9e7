import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites create and drop their own PostgreSQL databases; running files one at a time keeps the load bounded.
    fileParallelism: false,
  },
});
