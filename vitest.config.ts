import { defineConfig } from 'vitest/config';

const roots = '{policy,sidecar,operator,cli,test}';

export default defineConfig({
  test: {
    reporters: ['default', './test/harness/summary-reporter.ts'],
    projects: [
      {
        // Pure code and in-process servers: files run in parallel.
        test: {
          name: 'unit',
          include: [`${roots}/**/*.test.ts`],
          exclude: [`${roots}/**/*.int.test.ts`, '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        // Against the real control plane, Redis and Postgres from `make dev-up`: files share those
        // servers, so they run one at a time (tests inside a file stay in order too).
        test: {
          name: 'integration',
          include: [`${roots}/**/*.int.test.ts`],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
