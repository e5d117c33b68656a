import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Pothos and Yoga; test files must get the same one,
    // not the .mjs build Vite would pick, or graphql sees two copies of itself.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    // The browser tests need chromium, which a fresh machine may lack: `npm run test:browser`.
    exclude: [...configDefaults.exclude, 'tests/browser/**'],
    globalSetup: ['tests/global-setup.ts'],
    // Each file starts its own in-memory PGlite (or shares the migrated PostgreSQL), and tenants
    // are fresh per test, so files run in parallel without truncating anything.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      // scrypt at OWASP's cost takes ~0.3 s per hash; tests hash hundreds of passwords.
      SCRYPT_LOG_N: '12',
    },
  },
});
