import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Builds the three apps (what the images run) once, before every file.
    globalSetup: ['src/build-apps.ts'],
    // The stack proof migrates three databases and starts six processes and nginx before its tests.
    hookTimeout: 180_000,
    testTimeout: 60_000,
  },
});
