import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';

describe('GRAPHQL_JIT', () => {
  it('is on unless set to 0 or false, and refuses anything else', () => {
    expect(loadConfig({}).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: '' }).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: '1' }).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: 'true' }).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: '0' }).graphqlJit).toBe(false);
    expect(loadConfig({ GRAPHQL_JIT: 'false' }).graphqlJit).toBe(false);
    expect(() => loadConfig({ GRAPHQL_JIT: 'yes' })).toThrow(/GRAPHQL_JIT must be 1, true, 0 or false, got "yes"/);
  });
});

describe('SHUTDOWN_GRACE_MS', () => {
  it('defaults to 10 s, takes any whole number of milliseconds from 0, and refuses anything else', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '0' }).shutdownGraceMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '2500' }).shutdownGraceMs).toBe(2500);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '1.5' })).toThrow(/SHUTDOWN_GRACE_MS must be a whole number of milliseconds, at least 0, got "1.5"/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });
});
