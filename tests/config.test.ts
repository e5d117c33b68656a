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
