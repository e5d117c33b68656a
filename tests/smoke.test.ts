import { describe, expect, it } from 'vitest';
import { items, startApp } from './harness.js';

const app = await startApp();

describe('the seed story', () => {
  it('signs up, creates three users and lists four accounts', async () => {
    const tenant = await app.signUp();
    for (let i = 0; i < 3; i++) await app.createUser(tenant);
    const result = await app.gql(
      `{ viewer { masterAccount { users(first: 10) { totalCount edges { node { address role } } } } } }`,
      {},
      tenant.token,
    );
    expect(result.errors).toBeUndefined();
    const users = result.data.viewer.masterAccount.users;
    expect(users.totalCount).toBe(4);
    expect(items(users.edges).map((edge) => edge.node.role)).toEqual(['OWNER', 'MEMBER', 'MEMBER', 'MEMBER']);
  });
});
