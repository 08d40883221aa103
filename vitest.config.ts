import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/e2e/**/*.test.ts'],
    // Installs Chromium and builds the dashboard when browser tests are in the run.
    globalSetup: ['test/support/browser-setup.ts'],
    testTimeout: 30_000,
  },
});
