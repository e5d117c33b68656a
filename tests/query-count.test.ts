import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { items, startApp, text, type Tenant } from './harness.js';

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

/** A page statement that counts its list: an uncorrelated count of the list's table in a column. */
const COUNTS_ITS_LIST = /\(\(select count\(\*\) from "(users|groups|shared_resources)"/;

describe('totalCount of a first page', () => {
  const COUNTED = `query ($first: Int!, $order: UserOrder) {
    viewer { masterAccount {
      users(first: $first, orderBy: $order) { totalCount edges { node { address } } pageInfo { hasNextPage } }
      groups(first: 1) { ...GroupTotal }
      resources(first: 1) { totalCount edges { node { name } } }
    } }
  }
  fragment GroupTotal on GroupConnection { totalCount edges { node { name } } }`;

  it('is counted by the statement that reads the page, through fragments too, and stays right', async () => {
    const tenant = await app.signUp();
    for (let i = 0; i < 6; i++) await app.createUser(tenant);
    for (const name of ['alpha', 'beta', 'gamma']) {
      const made = await app.gql(`mutation ($input: CreateGroupInput!) { createGroup(input: $input) { __typename } }`, { input: { name } }, tenant.token);
      expect(made.data.createGroup.__typename).toBe('CreateGroupSuccess');
      const resource = await app.gql(
        `mutation ($input: CreateResourceInput!) { createResource(input: $input) { __typename } }`,
        { input: { name, kind: 'CALENDAR', ownerId: tenant.ownerId } },
        tenant.token,
      );
      expect(resource.data.createResource.__typename).toBe('CreateResourceSuccess');
    }
    for (const order of [null, { field: 'ADDRESS', direction: 'DESC' }]) {
      await app.gql(COUNTED, { first: 2, order }, tenant.token);
      app.statements.length = 0;
      const result = await app.gql(COUNTED, { first: 2, order }, tenant.token);
      expect(result.errors).toBeUndefined();
      const account = result.data.viewer.masterAccount;
      expect(account.users.totalCount).toBe(7);
      expect(items(account.users.edges)).toHaveLength(2);
      expect(account.users.pageInfo.hasNextPage).toBe(true);
      expect(account.groups.totalCount).toBe(3);
      expect(account.resources.totalCount).toBe(3);
      // One statement per list, no separate count; the token was resolved by the request before.
      expect(app.statements).toHaveLength(3);
      expect(app.statements.filter((statement) => COUNTS_ITS_LIST.test(statement))).toHaveLength(3);
    }
  });

  it('is left out of the page statement when not asked for', async () => {
    const tenant = await app.signUp();
    await app.gql(`{ viewer { masterAccount { users(first: 1) { edges { node { address } } } } } }`, {}, tenant.token);
    app.statements.length = 0;
    const result = await app.gql(`{ viewer { masterAccount { users(first: 1) { edges { node { address } } } } } }`, {}, tenant.token);
    expect(result.errors).toBeUndefined();
    expect(app.statements).toHaveLength(1);
    expect(app.statements.some((statement) => COUNTS_ITS_LIST.test(statement))).toBe(false);
  });
});

describe('totalCount of all users', () => {
  const LISTED = `{ viewer { masterAccount { users(first: 100) { totalCount edges { node { id address } } } } } }`;

  it('counts the users listed, after a deletion and after the deleted user\'s address is taken again', async () => {
    const tenant = await app.signUp();
    const gone = await app.createUser(tenant);
    await app.createUser(tenant);
    const deleted = await app.gql(
      `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { __typename } }`,
      { input: { userId: gone.id } },
      tenant.token,
    );
    expect(deleted.data.deleteUser.__typename).toBe('DeleteUserSuccess');
    // The 30-day hold on the address ends; a new user takes it, which deletes the released row.
    await app.database.db.execute(sql`update addresses set released_at = now() - interval '31 days' where address = ${gone.address}`);
    const again = await app.gql(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename } }`,
      { input: { address: gone.address, displayName: 'Again', password: 'correct horse battery', plan: 'FREE', role: 'MEMBER' } },
      tenant.token,
    );
    expect(again.data.createUser.__typename).toBe('CreateUserSuccess');
    const result = await app.gql(LISTED, {}, tenant.token);
    expect(result.errors).toBeUndefined();
    const users = result.data.viewer.masterAccount.users;
    expect(items(users.edges).map((edge) => text(edge.node.address))).toContain(gone.address);
    expect(users.totalCount).toBe(items(users.edges).length);
    // The owner, the user kept and the new one.
    expect(users.totalCount).toBe(3);
  });
});

describe('totalCount of a filtered first page', () => {
  it('is counted by the statement that reads the page', async () => {
    const tenant = await app.signUp();
    for (let i = 0; i < 5; i++) await app.createUser(tenant);
    const query = `query ($filter: UserFilter) {
      viewer { masterAccount { users(first: 2, filter: $filter, orderBy: { field: ADDRESS, direction: ASC }) { totalCount edges { node { plan } } } } }
    }`;
    const filter = { plan: 'ENTRY' };
    await app.gql(query, { filter }, tenant.token);
    app.statements.length = 0;
    const result = await app.gql(query, { filter }, tenant.token);
    expect(result.errors).toBeUndefined();
    // The counted page alone; the token was resolved by the request before.
    expect(app.statements).toHaveLength(1);
    const all = await app.gql(`{ viewer { masterAccount { users(first: 100) { edges { node { plan } } } } } }`, {}, tenant.token);
    const entry = items(all.data.viewer.masterAccount.users.edges).filter((edge) => text(edge.node.plan) === 'ENTRY').length;
    expect(entry).toBeGreaterThan(2);
    expect(result.data.viewer.masterAccount.users.totalCount).toBe(entry);
    expect(items(result.data.viewer.masterAccount.users.edges).map((edge) => edge.node.plan)).toEqual(['ENTRY', 'ENTRY']);
  });
});

describe('the aliases of a page of users', () => {
  const PAGE = `query ($first: Int!, $after: String) {
    viewer { masterAccount { users(first: $first, after: $after) {
      edges { node { id ... on User { aliases { id address createdAt } } } }
      pageInfo { endCursor }
    } } }
  }`;
  const ALIASES_OF = `query ($id: ID!) { node(id: $id) { ... on User { aliases { id address createdAt } } } }`;

  it('come with the page, in the statement that reads it, the same as read one user at a time', async () => {
    const tenant = await app.signUp();
    const held = await app.createUser(tenant, { plan: 'PRO' });
    await app.createUser(tenant);
    for (const name of ['zeta', 'alpha', 'mid']) {
      const added = await app.gql(
        `mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename } }`,
        { input: { userId: held.id, address: `${name}.${held.address}` } },
        tenant.token,
      );
      expect(added.data.addAlias).toEqual({ __typename: 'AddAliasSuccess' });
    }
    const removed = await app.gql(`query ($id: ID!) { node(id: $id) { ... on User { aliases { id address } } } }`, { id: held.id }, tenant.token);
    const mid = items(removed.data.node.aliases).find((alias) => text(alias.address).startsWith('mid.'));
    const dropped = await app.gql(`mutation ($id: ID!) { removeAlias(input: { aliasId: $id }) { __typename } }`, { id: mid?.id }, tenant.token);
    expect(dropped.data.removeAlias).toEqual({ __typename: 'RemoveAliasSuccess' });

    for (const after of [null, 'second page']) {
      let cursor: string | null = null;
      if (after) {
        const first = await app.gql(PAGE, { first: 1 }, tenant.token);
        cursor = text(first.data.viewer.masterAccount.users.pageInfo.endCursor);
      }
      await app.gql(PAGE, { first: 3, after: cursor }, tenant.token);
      app.statements.length = 0;
      const page = await app.gql(PAGE, { first: 3, after: cursor }, tenant.token);
      expect(page.errors).toBeUndefined();
      // The page of users alone: the token was resolved before and the aliases came with the rows.
      expect(app.statements).toHaveLength(1);
      const users = items(page.data.viewer.masterAccount.users.edges).map((edge) => edge.node);
      expect(users.length).toBe(after ? 2 : 3);
      for (const user of users) {
        const one = await app.gql(ALIASES_OF, { id: user.id }, tenant.token);
        expect(user.aliases).toEqual(one.data.node.aliases);
      }
      const heldRows = users.filter((user) => text(user.id) === held.id);
      expect(heldRows.flatMap((user) => items(user.aliases).map((alias) => text(alias.address).split('.')[0]))).toEqual(['alpha', 'zeta']);
    }
  });
});

describe('the code\'s constants in statements', () => {
  /** A comparison of an enum column with a parameter: `"addresses"."kind" = $2`. */
  const CONSTANT_AS_PARAMETER = /"(addresses|ledger_entries|users|owners|api_tokens|domains|group_members)"\."(kind|role|status)" (=|<>) \$\d+/;

  it('are written into the text, so a generic plan still uses the partial indexes they name', async () => {
    // Statements are prepared; after five runs PostgreSQL may plan one for any parameters, and a
    // parameter in place of 'DEPOSIT' or 'PRIMARY' keeps that plan off the partial indexes
    // `ledger_entries_deposit_key` and `addresses_one_primary_per_user` (EXPLAIN: a scan of the
    // account's whole ledger for every deposit).
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    app.statements.length = 0;
    // Twice: the retry looks its key's deposit up.
    for (let i = 0; i < 2; i++) {
      const deposit = await app.gql(
        `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename } }`,
        { input: { amount: '12.00', idempotencyKey: 'constants-in-text' } },
        tenant.token,
      );
      expect(deposit.data.addDeposit).toEqual({ __typename: 'AddDepositSuccess' });
    }
    const alias = await app.gql(
      `mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename } }`,
      { input: { userId: user.id, address: `constant.${user.address}` } },
      tenant.token,
    );
    expect(alias.data.addAlias).toEqual({ __typename: 'AddAliasSuccess' });
    const read = await app.gql(`query ($id: ID!) { node(id: $id) { ... on User { address aliases { address } } } }`, { id: user.id }, tenant.token);
    expect(read.errors).toBeUndefined();
    await app.gql(USERS_PAGE, { first: 5 }, tenant.token);

    expect(app.statements.filter((statement) => CONSTANT_AS_PARAMETER.test(statement))).toEqual([]);
    expect(app.statements.some((statement) => statement.includes(`"ledger_entries"."kind" = 'DEPOSIT'`))).toBe(true);
    expect(app.statements.some((statement) => statement.includes(`"addresses"."kind" = 'PRIMARY'`))).toBe(true);
  });
});
