import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starting the WebAssembly schema engine and PGlite takes seconds on a small machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
