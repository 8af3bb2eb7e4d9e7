import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The proof suite builds three apps, migrates three databases and starts three processes before its tests.
    hookTimeout: 180_000,
    testTimeout: 60_000,
  },
});
