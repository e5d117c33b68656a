import { describe, expect, it } from 'vitest';
import { items, startApp, type Tenant } from './harness.js';

const app = await startApp();

const USERS_PAGE = `query ($first: Int!) {
  viewer { masterAccount { users(first: $first) { edges { node { id address masterAccount { name } } } } } }
}`;

async function statementsFor(tenant: Tenant, first: number): Promise<{ count: number; rows: number }> {
  // One request first, so a token's once-a-minute last-used write does not land in the count.
  await app.gql(USERS_PAGE, { first }, tenant.token);
  app.statements.length = 0;
  const result = await app.gql(USERS_PAGE, { first }, tenant.token);
  expect(result.errors).toBeUndefined();
  return { count: app.statements.length, rows: items(result.data.viewer.masterAccount.users.edges).length };
}

describe('SQL statements per request', () => {
  it('do not grow with the page size of users', async () => {
    const small = await app.signUp();
    const large = await app.signUp();
    for (let i = 0; i < 4; i++) await app.createUser(small);
    for (let i = 0; i < 49; i++) await app.createUser(large);

    const few = await statementsFor(small, 50);
    const many = await statementsFor(large, 50);
    expect(few.rows).toBe(5);
    expect(many.rows).toBe(50);
    expect(many.count).toBe(few.count);
    // The token lookup, which brings the master account along, and the page of users.
    expect(many.count).toBeLessThanOrEqual(2);
  });
});
