import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './spec/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['spec/unit/**/*.spec.ts'],
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
