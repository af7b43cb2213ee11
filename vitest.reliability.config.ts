import { defineConfig } from 'vitest/config';

/**
 * Reliability suites (issue 10): long runs that try to break clusterops. Full size by default;
 * CLUSTEROPS_RELIABILITY=short (set by .ci/run) runs the short version.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
