import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './spec/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['spec/unit/**/*.spec.ts'],
          // Some unit specs are exhaustive (every split of a stream, every chunk size): seconds of
          // CPU on a loaded 2-core machine. The limit is there to catch a hang, not to time them.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['spec/integration/**/*.spec.ts'],
          globalSetup: ['spec/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
