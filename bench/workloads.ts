import type { Tenant } from './seed.js';

export type ServerName = 'ours' | 'limit' | 'peer';
export const SERVERS: ServerName[] = ['ours', 'limit', 'peer'];

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'W4' | 'W5a' | 'W5b';

/** One HTTP request of a workload: the GraphQL body and the tenant's token. */
export interface Call {
  body: string;
  token: string;
}

/** Where each call's varying values come from: a running number, so every request differs. */
export interface CallSource {
  tenants: Tenant[];
  /** Distinguishes the values mutations write in one benchmark run from those of earlier runs. */
  runId: string;
}

export interface Workload {
  name: WorkloadName;
  title: string;
  mutation: boolean;
  /** The request of call number `i` to `server`; ours and the limit take the same body. */
  call(server: ServerName, source: CallSource, i: number): Call;
  /** The answer reduced to what all three must agree on, without ids or naming. */
  normalise(server: ServerName, json: unknown): unknown;
}

export const toGlobalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

// ---- small, strict readers of JSON answers -------------------------------------------------------

type Json = Record<string, unknown>;

function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path} is not an object: ${JSON.stringify(value)}`);
  return value as Json;
}
function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${path} is not a list: ${JSON.stringify(value)}`);
  return value;
}
function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) current = obj(current, path)[key];
  return current;
}
function data(json: unknown): Json {
  const answer = obj(json, 'answer');
  if (answer.errors) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
  return obj(answer.data, 'data');
}
const instant = (value: unknown) => new Date(String(value)).toISOString();
const nodes = (connection: unknown, path: string) => arr(obj(connection, path).nodes, `${path}.nodes`);
const edges = (connection: unknown, path: string) => arr(obj(connection, path).edges, `${path}.edges`).map((edge) => obj(edge, path).node);

// ---- the documents --------------------------------------------------------------------------------

/** The users W1 shows: the first 20 of each tenant by creation, which is user n = 0 to 19. */
export const W1_PAGE = 20;

const OURS = {
  W1: `query AccountOverview {
  viewer { masterAccount {
    id name
    users(first: ${W1_PAGE}) { totalCount edges { node { id address displayName plan status aliases { id address } } } }
    groups(first: 10) { totalCount edges { node { id name members { totalCount } } } }
    resources(first: 10) { totalCount edges { node { id name kind } } }
  } }
}`,
  W2: `query UserDirectory($search: String!) {
  viewer { masterAccount {
    users(first: 50, filter: { search: $search }, orderBy: { field: ADDRESS, direction: ASC }) {
      totalCount edges { node { id address displayName plan status } }
    }
  } }
}`,
  W3: `query LedgerPage {
  viewer { masterAccount {
    balance { minorUnits }
    ledger(first: 50) { edges { node { id kind amount { minorUnits } balanceAfter { minorUnits } description createdAt } } }
  } }
}`,
  W4: `query UserById($id: ID!) {
  node(id: $id) { ... on User { id address displayName plan status role createdAt } }
}`,
  W5a: `mutation AddAlias($userId: ID!, $address: String!) {
  addAlias(input: { userId: $userId, address: $address }) {
    __typename
    ... on AddAliasSuccess { alias { id address } }
    ... on Error { code message }
  }
}`,
  W5b: `mutation AddDeposit($amount: Decimal!, $key: String!) {
  addDeposit(input: { amount: $amount, idempotencyKey: $key }) {
    __typename
    ... on AddDepositSuccess { ledgerEntry { id kind amount { minorUnits } description } }
    ... on Error { code message }
  }
}`,
};

// PostGraphile's naming (amber preset, two schemas): rowId for the uuid, relations named by their key.
const PEER = {
  W1: `query AccountOverview($account: UUID!) {
  masterAccountByRowId(rowId: $account) {
    rowId name
    usersByMasterAccountId(first: ${W1_PAGE}, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) {
      totalCount
      nodes {
        rowId displayName plan status
        primary: addressesByUserId(condition: { kind: PRIMARY }) { nodes { address } }
        aliases: addressesByUserId(condition: { kind: ALIAS, releasedAt: null }, orderBy: ADDRESS_ASC) { nodes { rowId address } }
      }
    }
    groupsByMasterAccountId(first: 10, orderBy: [NAME_ASC, ROW_ID_ASC]) { totalCount nodes { rowId name groupMembersByGroupId { totalCount } } }
    sharedResourcesByMasterAccountId(first: 10, orderBy: [NAME_ASC, ROW_ID_ASC]) { totalCount nodes { rowId name kind } }
  }
}`,
  W2: `query UserDirectory($account: UUID!, $search: String!) {
  allAddresses(
    first: 50
    condition: { masterAccountId: $account, kind: PRIMARY }
    filter: { or: [{ address: { includesInsensitive: $search } }, { userByUserId: { displayName: { includesInsensitive: $search } } }] }
    orderBy: [ADDRESS_ASC, USER_ID_ASC]
  ) {
    totalCount
    nodes { address userByUserId { rowId displayName plan status } }
  }
}`,
  W3: `query LedgerPage($account: UUID!) {
  masterAccountByRowId(rowId: $account) {
    balance: ledgerEntriesByMasterAccountId(first: 1, orderBy: SEQ_DESC) { nodes { balanceAfterCents } }
    ledgerEntriesByMasterAccountId(first: 50, orderBy: SEQ_DESC) { nodes { rowId kind amountCents balanceAfterCents description createdAt } }
  }
}`,
  W4: `query UserById($id: UUID!) {
  userByRowId(rowId: $id) {
    rowId displayName plan status role createdAt
    addressesByUserId(condition: { kind: PRIMARY }) { nodes { address } }
  }
}`,
  W5a: `mutation AddAlias($userId: UUID!, $account: UUID!, $actor: UUID!, $address: String!) {
  peerAddAlias(input: { userId: $userId, masterAccountId: $account, actorId: $actor, address: $address }) { result { rowId address } }
}`,
  W5b: `mutation AddDeposit($account: UUID!, $actor: UUID!, $amount: BigInt!, $key: String!) {
  peerAddDeposit(input: { masterAccountId: $account, actorId: $actor, amountCents: $amount, idempotencyKey: $key }) {
    result { rowId kind amountCents description }
  }
}`,
};

const body = (query: string, operationName: string, variables: Json = {}) => JSON.stringify({ query, operationName, variables });

/** Calls spread over every tenant, and over users within a tenant. */
function pick(source: CallSource, i: number): { tenant: Tenant; userId: string } {
  const tenant = source.tenants[i % source.tenants.length] as Tenant;
  const round = Math.floor(i / source.tenants.length);
  return { tenant, userId: tenant.userIds[round % tenant.userIds.length] as string };
}

/**
 * The user a W5a call adds an alias to: PRO users only (n even), whose limit of 50 leaves room for
 * ~48 more each, and none of those W1 shows. Aliases added to those would make W1's answer grow
 * over a run (by about a hundred aliases across a full benchmark), so each round of W1, for every
 * server, would read more than the round before.
 */
function aliasTarget(source: CallSource, i: number): { tenant: Tenant; userId: string } {
  const tenant = source.tenants[i % source.tenants.length] as Tenant;
  const round = Math.floor(i / source.tenants.length);
  // userIds[k] is user n = k + 1 (the owner, n = 0, is not in the list).
  const pro = tenant.userIds.filter((_, k) => (k + 1) % 2 === 0 && k + 1 >= W1_PAGE);
  return { tenant, userId: pro[round % pro.length] as string };
}

function read(name: WorkloadName, title: string, options: Omit<Workload, 'name' | 'title' | 'mutation'>): Workload {
  return { name, title, mutation: false, ...options };
}

export const WORKLOADS: Workload[] = [
  read('W1', 'account overview', {
    call: (server, source, i) => {
      const { tenant } = pick(source, i);
      return server === 'peer'
        ? { body: body(PEER.W1, 'AccountOverview', { account: tenant.masterAccountId }), token: tenant.token }
        : { body: body(OURS.W1, 'AccountOverview'), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      if (server === 'peer') {
        const a = obj(d.masterAccountByRowId, 'masterAccountByRowId');
        const users = obj(a.usersByMasterAccountId, 'users');
        const groups = obj(a.groupsByMasterAccountId, 'groups');
        const resources = obj(a.sharedResourcesByMasterAccountId, 'resources');
        return {
          id: a.rowId,
          name: a.name,
          users: {
            total: users.totalCount,
            items: nodes(users, 'users').map((u) => ({
              id: at(u, 'rowId'),
              address: at(nodes(at(u, 'primary'), 'primary')[0], 'address'),
              displayName: at(u, 'displayName'),
              plan: at(u, 'plan'),
              status: at(u, 'status'),
              aliases: nodes(at(u, 'aliases'), 'aliases').map((x) => ({ id: at(x, 'rowId'), address: at(x, 'address') })),
            })),
          },
          groups: {
            total: groups.totalCount,
            items: nodes(groups, 'groups').map((g) => ({ id: at(g, 'rowId'), name: at(g, 'name'), members: at(g, 'groupMembersByGroupId.totalCount') })),
          },
          resources: {
            total: resources.totalCount,
            items: nodes(resources, 'resources').map((r) => ({ id: at(r, 'rowId'), name: at(r, 'name'), kind: at(r, 'kind') })),
          },
        };
      }
      const a = obj(at(d, 'viewer.masterAccount'), 'masterAccount');
      const users = obj(a.users, 'users');
      const groups = obj(a.groups, 'groups');
      const resources = obj(a.resources, 'resources');
      return {
        id: localId(a.id),
        name: a.name,
        users: {
          total: users.totalCount,
          items: edges(users, 'users').map((u) => ({
            id: localId(at(u, 'id')),
            address: at(u, 'address'),
            displayName: at(u, 'displayName'),
            plan: at(u, 'plan'),
            status: at(u, 'status'),
            aliases: arr(at(u, 'aliases'), 'aliases').map((x) => ({ id: localId(at(x, 'id')), address: at(x, 'address') })),
          })),
        },
        groups: {
          total: groups.totalCount,
          items: edges(groups, 'groups').map((g) => ({ id: localId(at(g, 'id')), name: at(g, 'name'), members: at(g, 'members.totalCount') })),
        },
        resources: {
          total: resources.totalCount,
          items: edges(resources, 'resources').map((r) => ({ id: localId(at(r, 'id')), name: at(r, 'name'), kind: at(r, 'kind') })),
        },
      };
    },
  }),
  read('W2', 'user directory', {
    call: (server, source, i) => {
      const { tenant } = pick(source, i);
      return server === 'peer'
        ? { body: body(PEER.W2, 'UserDirectory', { account: tenant.masterAccountId, search: tenant.userPrefix }), token: tenant.token }
        : { body: body(OURS.W2, 'UserDirectory', { search: tenant.userPrefix }), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      if (server === 'peer') {
        const c = obj(d.allAddresses, 'allAddresses');
        return {
          total: c.totalCount,
          items: nodes(c, 'allAddresses').map((n) => ({
            id: at(n, 'userByUserId.rowId'),
            address: at(n, 'address'),
            displayName: at(n, 'userByUserId.displayName'),
            plan: at(n, 'userByUserId.plan'),
            status: at(n, 'userByUserId.status'),
          })),
        };
      }
      const c = obj(at(d, 'viewer.masterAccount.users'), 'users');
      return {
        total: c.totalCount,
        items: edges(c, 'users').map((u) => ({
          id: localId(at(u, 'id')),
          address: at(u, 'address'),
          displayName: at(u, 'displayName'),
          plan: at(u, 'plan'),
          status: at(u, 'status'),
        })),
      };
    },
  }),
  read('W3', 'ledger page', {
    call: (server, source, i) => {
      const { tenant } = pick(source, i);
      return server === 'peer'
        ? { body: body(PEER.W3, 'LedgerPage', { account: tenant.masterAccountId }), token: tenant.token }
        : { body: body(OURS.W3, 'LedgerPage'), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      if (server === 'peer') {
        const a = obj(d.masterAccountByRowId, 'masterAccountByRowId');
        return {
          balance: Number(at(nodes(a.balance, 'balance')[0], 'balanceAfterCents')),
          entries: nodes(a.ledgerEntriesByMasterAccountId, 'ledger').map((e) => ({
            id: at(e, 'rowId'),
            kind: at(e, 'kind'),
            amount: Number(at(e, 'amountCents')),
            balanceAfter: Number(at(e, 'balanceAfterCents')),
            description: at(e, 'description'),
            createdAt: instant(at(e, 'createdAt')),
          })),
        };
      }
      const a = obj(at(d, 'viewer.masterAccount'), 'masterAccount');
      return {
        balance: at(a, 'balance.minorUnits'),
        entries: edges(a.ledger, 'ledger').map((e) => ({
          id: localId(at(e, 'id')),
          kind: at(e, 'kind'),
          amount: at(e, 'amount.minorUnits'),
          balanceAfter: at(e, 'balanceAfter.minorUnits'),
          description: at(e, 'description'),
          createdAt: instant(at(e, 'createdAt')),
        })),
      };
    },
  }),
  read('W4', 'one user by id', {
    call: (server, source, i) => {
      const { tenant, userId } = pick(source, i);
      return server === 'peer'
        ? { body: body(PEER.W4, 'UserById', { id: userId }), token: tenant.token }
        : { body: body(OURS.W4, 'UserById', { id: toGlobalId('User', userId) }), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      const u = obj(server === 'peer' ? d.userByRowId : d.node, 'user');
      return {
        id: server === 'peer' ? u.rowId : localId(u.id),
        address: server === 'peer' ? at(nodes(u.addressesByUserId, 'addresses')[0], 'address') : u.address,
        displayName: u.displayName,
        plan: u.plan,
        status: u.status,
        role: u.role,
        createdAt: instant(u.createdAt),
      };
    },
  }),
  {
    name: 'W5a',
    title: 'add an alias',
    mutation: true,
    call: (server, source, i) => {
      const { tenant, userId } = aliasTarget(source, i);
      const address = `b${source.runId}-${server}-${i}@mailadmin.test`;
      return server === 'peer'
        ? {
            body: body(PEER.W5a, 'AddAlias', { userId, account: tenant.masterAccountId, actor: tenant.ownerId, address }),
            token: tenant.token,
          }
        : { body: body(OURS.W5a, 'AddAlias', { userId: toGlobalId('User', userId), address }), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      if (server === 'peer') return { address: maskRun(at(d, 'peerAddAlias.result.address')) };
      const result = obj(d.addAlias, 'addAlias');
      if (result.__typename !== 'AddAliasSuccess') throw new Error(`addAlias answered ${JSON.stringify(result)}`);
      return { address: maskRun(at(result, 'alias.address')) };
    },
  },
  {
    name: 'W5b',
    title: 'add a deposit',
    mutation: true,
    call: (server, source, i) => {
      const { tenant } = pick(source, i);
      const key = `b${source.runId}-${server}-${i}`;
      return server === 'peer'
        ? { body: body(PEER.W5b, 'AddDeposit', { account: tenant.masterAccountId, actor: tenant.ownerId, amount: '1000', key }), token: tenant.token }
        : { body: body(OURS.W5b, 'AddDeposit', { amount: '10.00', key }), token: tenant.token };
    },
    normalise: (server, json) => {
      const d = data(json);
      if (server === 'peer') {
        const e = obj(at(d, 'peerAddDeposit.result'), 'result');
        return { kind: e.kind, amount: Number(e.amountCents), description: e.description };
      }
      const result = obj(d.addDeposit, 'addDeposit');
      if (result.__typename !== 'AddDepositSuccess') throw new Error(`addDeposit answered ${JSON.stringify(result)}`);
      const e = obj(result.ledgerEntry, 'ledgerEntry');
      return { kind: e.kind, amount: at(e, 'amount.minorUnits'), description: e.description };
    },
  },
];

/** The uuid inside one of our global IDs. */
function localId(globalId: unknown): string {
  const decoded = Buffer.from(String(globalId), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new Error(`not a global ID: ${String(globalId)}`);
  return decoded.slice(colon + 1);
}

/** Mutations write values unique to the server and call; equal answers differ only there. */
function maskRun(address: unknown): string {
  return String(address).replace(/^b[^@]*@/, 'b…@');
}
