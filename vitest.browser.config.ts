import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: GraphiQL in Debian's chromium, apart from `npm test` (see tests/browser). */
export default defineConfig({
  resolve: {
    // As in vitest.config.ts: one copy of graphql for the test files and the server code.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['tests/browser/**/*.test.ts'],
    // A server process and a browser start per file; each takes seconds on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { SCRYPT_LOG_N: '12' },
  },
});
