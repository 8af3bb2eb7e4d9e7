import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites create PostgreSQL databases and PGlite instances; running files one at a time keeps load predictable.
    fileParallelism: false,
  },
});
