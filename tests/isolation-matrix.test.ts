import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  Lexer,
  Source,
  TokenKind,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { schema } from '../server/schema/index.js';
import { startDnsServer } from './dns-server.js';
import { decodeId, globalId, items, MAIL_DOMAIN, PASSWORD, startApp, text, typeOfId, unique, type GraphQLResponse, type Loose, type Tenant } from './harness.js';
import { tenantRows } from './tenant-rows.js';

/*
 * The exhaustive, schema-driven form of tests/tenancy.test.ts: every place of the schema that
 * takes an ID is called by every kind of caller of tenant B with every object of tenant A, and
 * must answer exactly as it does for an ID that never existed, changing nothing.
 */

const dns = await startDnsServer();
afterAll(async () => {
  await dns.close();
});
const app = await startApp({ dnsServers: [dns.address] });
const db = app.database.db;

// ---------------------------------------------------------------------------------------------
// The schema, walked
// ---------------------------------------------------------------------------------------------

/** The places inside one argument that hold an ID: `id`, `ids[]`, `input.userIds[]`, `filter.userId`. */
function idPlaces(type: GraphQLInputType, path: string, within: readonly string[]): string[] {
  if (isNonNullType(type)) return idPlaces(type.ofType, path, within);
  if (isListType(type)) return idPlaces(type.ofType, `${path}[]`, within);
  if (isScalarType(type)) return type.name === 'ID' ? [path] : [];
  if (isInputObjectType(type) && !within.includes(type.name)) {
    return Object.values(type.getFields()).flatMap((field) => idPlaces(field.type, `${path}.${field.name}`, [...within, type.name]));
  }
  return [];
}

function objectTypes(): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'),
  );
}

/** Every field of every object type (queries, mutations and nested fields alike) with an ID in its arguments. */
function idTakingPlaces(): string[] {
  return objectTypes()
    .flatMap((type) =>
      Object.values(type.getFields()).flatMap((field) =>
        field.args.flatMap((arg) => idPlaces(arg.type, arg.name, []).map((place) => `${type.name}.${field.name}(${place})`)),
      ),
    )
    .sort();
}

/** The object types `node` can answer with. */
function nodeTypes(): string[] {
  return objectTypes()
    .filter((type) => type.getInterfaces().some((iface) => iface.name === 'Node'))
    .map((type) => type.name)
    .sort();
}

/** Fields that page with cursors. */
function connectionFields(): string[] {
  return objectTypes()
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => field.args.some((arg) => arg.name === 'after') && field.args.some((arg) => arg.name === 'before'))
        .map((field) => `${type.name}.${field.name}`),
    )
    .sort();
}

function mutationInputType(name: string): string {
  const field = schema.getMutationType()?.getFields()[name];
  const input = field?.args.find((arg) => arg.name === 'input');
  if (!input) throw new Error(`mutation ${name} has no input argument`);
  return getNamedType(input.type).name;
}

// ---------------------------------------------------------------------------------------------
// Two tenants with one of everything
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;

interface Person {
  id: string;
  address: string;
  token: string;
}

interface Named {
  id: string;
  name: string;
}

interface World {
  tenant: Tenant;
  organizationName: string;
  admin: Person;
  /** A MEMBER of the master account and a MANAGER of `group`. */
  member: Person;
  list: { id: string; address: string };
  alias: { id: string; address: string };
  domainAlias: { id: string; address: string };
  pendingDomain: Named;
  verifiedDomain: Named;
  group: Named;
  resource: Named;
  /** An API token with the READ scope only, of the owner. */
  readToken: { id: string; token: string };
  /** The member's own session (from logging in). */
  memberSession: string;
  ledgerIds: string[];
  auditIds: string[];
}

const ERROR = `__typename ... on Error { code message } ... on ValidationError { field } ... on NotFoundError { field }`;

async function run(document: string, variables: Input, token: string): Promise<GraphQLResponse> {
  return app.gql(document, variables, token);
}

/** A mutation that must succeed; answers its payload. */
async function succeed(name: string, input: Input, token: string, selection: string): Promise<Loose> {
  const result = await run(
    `mutation ($input: ${mutationInputType(name)}!) { ${name}(input: $input) { ${ERROR} ${selection} } }`,
    { input },
    token,
  );
  const payload = result.data[name];
  expect(String(payload?.__typename), `${name}: ${JSON.stringify(result)}`).toMatch(/Success$/);
  return payload;
}

function domainName(): string {
  return `${unique('iso')}.example`.toLowerCase();
}

async function person(tenant: Tenant, role: 'ADMIN' | 'MEMBER'): Promise<Person> {
  const user = await app.createUser(tenant, { role });
  return { ...user, token: await app.logIn(user.address) };
}

async function seed(): Promise<World> {
  const tenant = await app.signUp();
  const owner = tenant.token;
  const admin = await person(tenant, 'ADMIN');
  const member = await person(tenant, 'MEMBER');

  const listAddress = `${unique('list')}@${MAIL_DOMAIN}`;
  const list = await succeed(
    'createUser',
    { address: listAddress, displayName: 'A list', kind: 'MAILING_LIST', plan: 'FREE', listMembers: [member.address] },
    owner,
    '... on CreateUserSuccess { user { id address } }',
  );
  const alias = await succeed(
    'addAlias',
    { userId: member.id, address: `${unique('alias')}@${MAIL_DOMAIN}` },
    owner,
    '... on AddAliasSuccess { alias { id address } }',
  );

  const pending = await succeed('addDomain', { name: domainName() }, owner, '... on AddDomainSuccess { domain { id name } }');
  const added = await succeed(
    'addDomain',
    { name: domainName() },
    owner,
    '... on AddDomainSuccess { domain { id name verificationRecord { name value } } }',
  );
  dns.publish('TXT', text(added.domain.verificationRecord.name), text(added.domain.verificationRecord.value));
  await succeed('verifyDomain', { domainId: added.domain.id }, owner, '... on VerifyDomainSuccess { domain { id } }');
  const domainAlias = await succeed(
    'addAlias',
    { userId: admin.id, address: `${unique('team')}@${text(added.domain.name)}` },
    owner,
    '... on AddAliasSuccess { alias { id address } }',
  );

  const group = await succeed(
    'createGroup',
    { name: unique('group'), description: 'Everyone', memberIds: [admin.id, member.id] },
    owner,
    '... on CreateGroupSuccess { group { id name } }',
  );
  await succeed(
    'addGroupMembers',
    { groupId: group.group.id, userIds: [member.id], role: 'MANAGER' },
    owner,
    '... on AddGroupMembersSuccess { group { id } }',
  );
  const resource = await succeed(
    'createResource',
    { kind: 'CALENDAR', name: unique('calendar'), ownerId: member.id },
    owner,
    '... on CreateResourceSuccess { resource { id name } }',
  );
  await succeed(
    'shareResource',
    { resourceId: resource.resource.id, groupId: group.group.id, permission: 'WRITE' },
    owner,
    '... on ShareResourceSuccess { share { permission } }',
  );
  const readToken = await succeed(
    'createApiToken',
    { name: unique('read-token'), scopes: ['READ'] },
    owner,
    '... on CreateApiTokenSuccess { token apiToken { id } }',
  );

  const view = await run(
    `{ viewer { masterAccount { name
      ledger(first: 100) { edges { node { id } } }
      auditLog(first: 100) { edges { node { id } } }
    } } }`,
    {},
    owner,
  );
  expect(view.errors).toBeUndefined();
  const account = view.data.viewer.masterAccount;
  const ids = (connection: Loose) => items(connection.edges).map((edge) => text(edge.node.id));
  const sessions = await run('{ viewer { user { sessions(first: 1) { edges { node { id } } } } } }', {}, member.token);
  expect(sessions.errors).toBeUndefined();

  return {
    tenant,
    organizationName: text(account.name),
    admin,
    member,
    list: { id: text(list.user.id), address: text(list.user.address) },
    alias: { id: text(alias.alias.id), address: text(alias.alias.address) },
    domainAlias: { id: text(domainAlias.alias.id), address: text(domainAlias.alias.address) },
    pendingDomain: { id: text(pending.domain.id), name: text(pending.domain.name) },
    verifiedDomain: { id: text(added.domain.id), name: text(added.domain.name) },
    group: { id: text(group.group.id), name: text(group.group.name) },
    resource: { id: text(resource.resource.id), name: text(resource.resource.name) },
    readToken: { id: text(readToken.apiToken.id), token: text(readToken.token) },
    memberSession: ids(sessions.data.viewer.user.sessions)[0] ?? '',
    ledgerIds: ids(account.ledger),
    auditIds: ids(account.auditLog),
  };
}

interface Thing {
  type: string;
  id: string;
  label: string;
}

/** The objects of a world by type; the first of each type is the one used to fill other fields. */
function things(w: World): Thing[] {
  return [
    { type: 'User', id: w.member.id, label: 'member' },
    { type: 'User', id: w.tenant.ownerId, label: 'owner' },
    { type: 'User', id: w.admin.id, label: 'admin' },
    { type: 'User', id: w.list.id, label: 'mailing list' },
    { type: 'MasterAccount', id: w.tenant.masterAccountId, label: 'master account' },
    { type: 'Alias', id: w.alias.id, label: 'alias' },
    { type: 'Alias', id: w.domainAlias.id, label: 'alias on a custom domain' },
    { type: 'Domain', id: w.pendingDomain.id, label: 'pending domain' },
    { type: 'Domain', id: w.verifiedDomain.id, label: 'verified domain' },
    { type: 'Group', id: w.group.id, label: 'group' },
    { type: 'SharedResource', id: w.resource.id, label: 'shared resource' },
    { type: 'ApiToken', id: w.readToken.id, label: 'API token' },
    { type: 'Session', id: w.memberSession, label: "the member's session" },
    { type: 'LedgerEntry', id: w.ledgerIds[0], label: 'newest ledger entry' },
    { type: 'LedgerEntry', id: w.ledgerIds[w.ledgerIds.length - 1], label: 'oldest ledger entry (the deposit)' },
    { type: 'AuditEvent', id: w.auditIds[0], label: 'newest audit event' },
    { type: 'AuditEvent', id: w.auditIds[w.auditIds.length - 1], label: 'oldest audit event' },
  ];
}

function own(w: World, type: string): string {
  const thing = things(w).find((candidate) => candidate.type === type);
  if (!thing) throw new Error(`the world has no ${type}`);
  return thing.id;
}

/** Strings only this tenant has, quoted as they appear in a JSON response. */
function markers(w: World): string[] {
  const values = [
    ...things(w).map((thing) => thing.id),
    ...w.ledgerIds,
    ...w.auditIds,
    w.tenant.ownerAddress,
    w.admin.address,
    w.member.address,
    w.list.address,
    w.alias.address,
    w.domainAlias.address,
    w.pendingDomain.name,
    w.verifiedDomain.name,
    w.group.name,
    w.resource.name,
    w.organizationName,
  ];
  return [...new Set(values)].map((value) => JSON.stringify(value));
}

function leaked(response: unknown, w: World): string[] {
  const json = JSON.stringify(response);
  return markers(w).filter((marker) => json.includes(marker));
}

// ---------------------------------------------------------------------------------------------
// How to call each ID-taking place. The coverage guard below fails when the schema gains one
// that is not listed here.
// ---------------------------------------------------------------------------------------------

interface MutationPlace {
  kind: 'mutation';
  /** The type of object the ID must name. */
  type: string;
  /** The `field` a NotFoundError or ValidationError names for this place. */
  field: string;
  /** The input with `id` at this place and the caller's own objects everywhere else. */
  input: (id: string, caller: World) => Input;
}

interface QueryPlace {
  kind: 'query';
  /** The type of object the ID must name; null when any object will do. */
  type: string | null;
  document: string;
  variables: (id: string, caller: World) => Input;
}

type Place = MutationPlace | QueryPlace;

const HIJACKED = 'Hijacked by another tenant';

/**
 * Ordered so that, when a tenant calls them with its own objects (the control test), nothing a
 * later entry needs has been deleted yet.
 */
const PLACES: Record<string, Place> = {
  'Query.node(id)': {
    kind: 'query',
    type: null,
    document: `query ($id: ID!) { node(id: $id) { __typename id } }`,
    variables: (id) => ({ id }),
  },
  'Query.nodes(ids[])': {
    kind: 'query',
    type: null,
    document: `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
    variables: (id, caller) => ({ ids: [id, caller.member.id] }),
  },
  'MasterAccount.ledger(filter.userId)': {
    kind: 'query',
    type: 'User',
    document: `query ($userId: ID) { viewer { masterAccount {
      ledger(first: 100, filter: { userId: $userId }) { totalCount edges { node { id amount { minorUnits } user { id } } } }
    } } }`,
    variables: (id) => ({ userId: id }),
  },
  'Mutation.updateUser(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id) => ({ userId: id, displayName: HIJACKED }),
  },
  'Mutation.changePlan(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id) => ({ userId: id, plan: 'PRO' }),
  },
  'Mutation.addAlias(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id, caller) => ({ userId: id, address: `hijack.${decodeId(caller.tenant.masterAccountId).slice(0, 8)}@${MAIL_DOMAIN}` }),
  },
  'Mutation.verifyDomain(input.domainId)': {
    kind: 'mutation',
    type: 'Domain',
    field: 'domainId',
    input: (id) => ({ domainId: id }),
  },
  'Mutation.createGroup(input.memberIds[])': {
    kind: 'mutation',
    type: 'User',
    field: 'memberIds[0]',
    input: (id, caller) => ({ name: `hijack ${caller.group.name}`, memberIds: [id] }),
  },
  'Mutation.updateGroup(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id) => ({ groupId: id, description: HIJACKED }),
  },
  'Mutation.addGroupMembers(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id, caller) => ({ groupId: id, userIds: [caller.member.id], role: 'MANAGER' }),
  },
  'Mutation.addGroupMembers(input.userIds[])': {
    kind: 'mutation',
    type: 'User',
    field: 'userIds[0]',
    input: (id, caller) => ({ groupId: caller.group.id, userIds: [id] }),
  },
  'Mutation.createResource(input.ownerId)': {
    kind: 'mutation',
    type: 'User',
    field: 'ownerId',
    input: (id) => ({ kind: 'MAILBOX', name: HIJACKED, ownerId: id }),
  },
  'Mutation.shareResource(input.resourceId)': {
    kind: 'mutation',
    type: 'SharedResource',
    field: 'resourceId',
    input: (id, caller) => ({ resourceId: id, groupId: caller.group.id, permission: 'MANAGE' }),
  },
  'Mutation.shareResource(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id, caller) => ({ resourceId: caller.resource.id, groupId: id, permission: 'MANAGE' }),
  },
  'Mutation.removeGroupMembers(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id, caller) => ({ groupId: id, userIds: [caller.admin.id] }),
  },
  'Mutation.removeGroupMembers(input.userIds[])': {
    kind: 'mutation',
    type: 'User',
    field: 'userIds[0]',
    input: (id, caller) => ({ groupId: caller.group.id, userIds: [id] }),
  },
  'Mutation.unshareResource(input.resourceId)': {
    kind: 'mutation',
    type: 'SharedResource',
    field: 'resourceId',
    input: (id, caller) => ({ resourceId: id, groupId: caller.group.id }),
  },
  'Mutation.unshareResource(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id, caller) => ({ resourceId: caller.resource.id, groupId: id }),
  },
  'Mutation.removeAlias(input.aliasId)': {
    kind: 'mutation',
    type: 'Alias',
    field: 'aliasId',
    input: (id) => ({ aliasId: id }),
  },
  'Mutation.revokeApiToken(input.apiTokenId)': {
    kind: 'mutation',
    type: 'ApiToken',
    field: 'apiTokenId',
    input: (id) => ({ apiTokenId: id }),
  },
  'Mutation.deleteResource(input.resourceId)': {
    kind: 'mutation',
    type: 'SharedResource',
    field: 'resourceId',
    input: (id) => ({ resourceId: id }),
  },
  'Mutation.deleteGroup(input.groupId)': {
    kind: 'mutation',
    type: 'Group',
    field: 'groupId',
    input: (id) => ({ groupId: id }),
  },
  'Mutation.removeDomain(input.domainId)': {
    kind: 'mutation',
    type: 'Domain',
    field: 'domainId',
    input: (id) => ({ domainId: id }),
  },
  'Mutation.disableSecondFactor(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id) => ({ userId: id, password: PASSWORD }),
  },
  'Mutation.revokeSessions(input.sessionIds[])': {
    kind: 'mutation',
    type: 'Session',
    field: 'sessionIds[0]',
    input: (id, caller) => ({ userId: caller.member.id, sessionIds: [id] }),
  },
  'Mutation.revokeSessions(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id) => ({ userId: id }),
  },
  'Mutation.transferOwnership(input.newOwnerId)': {
    kind: 'mutation',
    type: 'User',
    field: 'newOwnerId',
    input: (id) => ({ newOwnerId: id, password: PASSWORD }),
  },
  'Mutation.deleteUser(input.userId)': {
    kind: 'mutation',
    type: 'User',
    field: 'userId',
    input: (id) => ({ userId: id }),
  },
};

function mutationName(key: string): string {
  const match = /^Mutation\.(\w+)\(/.exec(key);
  if (!match?.[1]) throw new Error(`${key} is not a mutation place`);
  return match[1];
}

interface Answer {
  data: unknown;
  errors: { message: string; code: unknown }[];
}

/** Calls one place with `id`; the answer keeps what a client can observe, with `id` itself blanked out. */
async function call(key: string, place: Place, id: string, caller: World, token: string): Promise<Answer> {
  let result: GraphQLResponse;
  let data: unknown;
  if (place.kind === 'mutation') {
    const name = mutationName(key);
    result = await run(
      `mutation ($input: ${mutationInputType(name)}!) { ${name}(input: $input) { ${ERROR} } }`,
      { input: place.input(id, caller) },
      token,
    );
    data = result.data[name] ?? null;
  } else {
    result = await run(place.document, place.variables(id, caller), token);
    data = result.data;
  }
  const answer = { data, errors: (result.errors ?? []).map((error) => ({ message: error.message, code: error.extensions?.code })) };
  // An ID echoed back is not a leak: the caller sent it. Blanking it lets answers be compared.
  return JSON.parse(JSON.stringify(answer).replaceAll(id, '<id>')) as Answer;
}

// ---------------------------------------------------------------------------------------------
// The callers of tenant B
// ---------------------------------------------------------------------------------------------

type Role = 'OWNER' | 'ADMIN' | 'MEMBER' | 'READ token';

const ROLES: [Role, (w: World) => string][] = [
  ['OWNER', (w) => w.tenant.token],
  ['ADMIN', (w) => w.admin.token],
  ['MEMBER', (w) => w.member.token],
  ['READ token', (w) => w.readToken.token],
];

/** Mutations only the owner may call. */
const OWNER_ONLY = new Set(['transferOwnership']);

/** What a caller of B may be answered besides the exact answer to a never-existing ID. */
function expectShape(role: Role, key: string, place: Place, id: string, answer: Answer): void {
  const label = `${role} ${key} ${typeOfId(id)}`;
  const matches = place.type === null || typeOfId(id) === place.type;
  if (place.kind === 'query') {
    if (key === 'Query.node(id)') expect(answer, label).toEqual({ data: { node: null }, errors: [] });
    return;
  }
  const payload = answer.data as Record<string, unknown> | null;
  if (role === 'ADMIN' && OWNER_ONLY.has(mutationName(key))) {
    // Refused for the role before any ID is looked up: the same answer whatever the ID (one of
    // another type is malformed input, refused before that).
    expect(payload, label).toMatchObject(matches ? { __typename: 'ForbiddenError', code: 'FORBIDDEN' } : { __typename: 'ValidationError', field: place.field });
    return;
  }
  if (role === 'READ token') {
    expect(payload, label).toBeNull();
    expect(answer.errors.map((error) => error.code), label).toEqual(['FORBIDDEN']);
    return;
  }
  expect(answer.errors, label).toEqual([]);
  if (role === 'MEMBER') {
    expect(['NotFoundError', 'ValidationError', 'ForbiddenError'], `${label} ${JSON.stringify(payload)}`).toContain(payload?.__typename);
    return;
  }
  expect(payload, label).toMatchObject(
    matches
      ? { __typename: 'NotFoundError', code: 'NOT_FOUND', field: place.field }
      : { __typename: 'ValidationError', code: 'VALIDATION', field: place.field },
  );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const a = await seed();
const b = await seed();

describe('the coverage guard', () => {
  it('has an entry for every ID-taking field and input field of the schema, and none for fields that are gone', () => {
    expect(Object.keys(PLACES).sort()).toEqual(idTakingPlaces());
  });

  it('seeds an object of every type node() can answer with', () => {
    expect([...new Set(things(a).map((thing) => thing.type))].sort()).toEqual(nodeTypes());
  });

  it('knows how to reach every connection', () => {
    expect(Object.keys(CONNECTIONS).sort()).toEqual(connectionFields());
  });
});

describe.each(ROLES)("B's %s with each of A's IDs", (role, tokenOf) => {
  it.each(Object.entries(PLACES))(
    '%s answers as for an ID that never existed and changes nothing',
    async (key, place) => {
      const token = tokenOf(b);
      const aBefore = await tenantRows(db, a.tenant.masterAccountId);
      const bBefore = await tenantRows(db, b.tenant.masterAccountId);
      const baselines = new Map<string, Answer>();
      for (const thing of things(a)) {
        let baseline = baselines.get(thing.type);
        if (!baseline) {
          baseline = await call(key, place, globalId(thing.type, randomUUID()), b, token);
          baselines.set(thing.type, baseline);
        }
        const answer = await call(key, place, thing.id, b, token);
        expect(answer, `${role} ${key} with A's ${thing.label}`).toEqual(baseline);
        expect(leaked(answer, a), `${role} ${key} with A's ${thing.label}`).toEqual([]);
        expectShape(role, key, place, thing.id, answer);
      }
      expect(await tenantRows(db, a.tenant.masterAccountId)).toEqual(aBefore);
      expect(await tenantRows(db, b.tenant.masterAccountId)).toEqual(bBefore);
    },
    60_000,
  );
});

describe('the controls', () => {
  it("give A's owner each of A's objects through node() and nodes(), so B's nulls mean something", async () => {
    const ids = things(a).map((thing) => thing.id);
    for (const id of ids) {
      const result = await run(`query ($id: ID!) { node(id: $id) { __typename id } }`, { id }, a.tenant.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.node, id).toEqual({ __typename: typeOfId(id), id });
    }
    const listed = await run(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }, a.tenant.token);
    expect(items(listed.data.nodes).map((node) => text(node.id))).toEqual(ids);
  });

  it("give A's owner A's charges when the ledger is filtered by A's member", async () => {
    const place = PLACES['MasterAccount.ledger(filter.userId)'];
    const answer = await call('MasterAccount.ledger(filter.userId)', place, a.member.id, a, a.tenant.token);
    expect(answer.errors).toEqual([]);
    const ledger = (answer.data as Loose).viewer.masterAccount.ledger;
    expect(ledger.totalCount).toBeGreaterThan(0);
    expect(items(ledger.edges).every((edge) => String(edge.node.user.id) === '<id>')).toBe(true);
  });

  /**
   * Places whose own object is found but whose call cannot succeed: the domain's TXT record is not
   * published, and the first User (the member) is no ADMIN to hand the account to. Both answers
   * differ from the NOT_FOUND a foreign ID gets, which is what the control shows.
   */
  const CONTROL_OUTCOMES: Record<string, string> = {
    'Mutation.verifyDomain(input.domainId)': 'VerificationFailedError',
    'Mutation.transferOwnership(input.newOwnerId)': 'ValidationError',
  };

  it('find the object when a tenant calls each mutation place with its own object', async () => {
    const c = await seed();
    const answers: Record<string, unknown> = {};
    for (const [key, place] of Object.entries(PLACES)) {
      if (place.kind !== 'mutation') continue;
      const answer = await call(key, place, own(c, place.type), c, c.tenant.token);
      expect(answer.errors, key).toEqual([]);
      answers[key] = (answer.data as Loose).__typename;
    }
    const expected = Object.fromEntries(
      Object.entries(PLACES)
        .filter(([, place]) => place.kind === 'mutation')
        .map(([key]) => [key, CONTROL_OUTCOMES[key] ?? `${mutationName(key).charAt(0).toUpperCase()}${mutationName(key).slice(1)}Success`]),
    );
    expect(answers).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Nested fields
// ---------------------------------------------------------------------------------------------

/** Selects every field of `type` that needs no argument, `depth` levels deep (lists page 100 at a time). */
function selectAll(type: GraphQLNamedType, depth: number): string {
  if (isUnionType(type) || isInterfaceType(type)) return '__typename';
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields()).filter((field) =>
    field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined),
  );
  return fields
    .map((field) => {
      const named = getNamedType(field.type);
      if (isLeafType(named)) return field.name;
      if (depth <= 1) return '';
      return `${field.name}${pageArgs(field)} { ${selectAll(named, depth - 1) || '__typename'} }`;
    })
    .filter(Boolean)
    .join(' ');
}

function pageArgs(field: GraphQLField<unknown, unknown>): string {
  return field.args.some((arg) => arg.name === 'first') ? '(first: 100)' : '';
}

function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * One document per object field of a node type, each as deep as fits in the query limits the
 * server may set (depth, tokens), so every nested path from every object is walked.
 */
function nestedDocuments(typename: string): string[] {
  const type = schema.getType(typename);
  if (!isObjectType(type)) throw new Error(`${typename} is not an object type`);
  return Object.values(type.getFields())
    .filter((field) => !isLeafType(getNamedType(field.type)))
    .map((field) => {
      for (let depth = 4; depth >= 1; depth -= 1) {
        const inner = selectAll(getNamedType(field.type), depth) || '__typename';
        const document = `query ($id: ID!) { node(id: $id) { id ... on ${typename} { ${field.name}${pageArgs(field)} { ${inner} } } } }`;
        if (tokenCount(document) <= 700) return document;
      }
      throw new Error(`${typename}.${field.name} does not fit`);
    });
}

describe('nested fields', () => {
  it.each(ROLES)("never lead B's %s from B's own objects to A's", async (_role, tokenOf) => {
    const token = tokenOf(b);
    for (const typename of nodeTypes()) {
      for (const document of nestedDocuments(typename)) {
        const result = await run(document, { id: own(b, typename) }, token);
        const label = `${typename}: ${document}`;
        expect(leaked(result, a), label).toEqual([]);
        for (const error of result.errors ?? []) {
          // A member does not see the ledger or the audit log; nothing else may fail.
          expect(['FORBIDDEN'], `${label} ${error.message}`).toContain(error.extensions?.code);
        }
      }
    }
    const viewer = await run(`{ viewer { ${selectAll(schema.getType('Viewer') as GraphQLNamedType, 4)} } }`, {}, token);
    expect(leaked(viewer, a)).toEqual([]);
  }, 60_000);

  it("lead A's owner from A's objects to A's others, so the walk reaches them", async () => {
    const seen: unknown[] = [];
    for (const typename of nodeTypes()) {
      for (const document of nestedDocuments(typename)) {
        const result = await run(document, { id: own(a, typename) }, a.tenant.token);
        expect(result.errors, `${typename}: ${document}`).toBeUndefined();
        seen.push(result.data);
      }
    }
    const reachable = things(a).filter((thing) => thing.type !== 'AuditEvent' && thing.type !== 'LedgerEntry');
    expect(leaked(seen, a)).toEqual(expect.arrayContaining(reachable.map((thing) => JSON.stringify(thing.id))));
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------------------------

interface Connection {
  document: string;
  variables: (w: World) => Input;
  pick: (data: Loose) => Loose;
}

const PAGE = `($first: Int, $after: String, $last: Int, $before: String)`;
const PAGE_ARGS = `(first: $first, after: $after, last: $last, before: $before)`;
const CONNECTION_SELECTION = `{ totalCount edges { cursor node { id } } }`;

function accountList(field: string): Connection {
  return {
    document: `query ${PAGE} { viewer { masterAccount { ${field}${PAGE_ARGS} ${CONNECTION_SELECTION} } } }`,
    variables: () => ({}),
    pick: (data) => data.viewer?.masterAccount?.[field],
  };
}

const CONNECTIONS: Record<string, Connection> = {
  'MasterAccount.apiTokens': accountList('apiTokens'),
  'MasterAccount.auditLog': accountList('auditLog'),
  'MasterAccount.domains': accountList('domains'),
  'MasterAccount.groups': accountList('groups'),
  'MasterAccount.ledger': accountList('ledger'),
  'MasterAccount.resources': accountList('resources'),
  'MasterAccount.users': accountList('users'),
  'User.sessions': {
    document: `query ($user: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      node(id: $user) { ... on User { sessions${PAGE_ARGS} ${CONNECTION_SELECTION} } }
    }`,
    variables: (w) => ({ user: w.member.id }),
    pick: (data) => data.node?.sessions,
  },
  'Group.members': {
    document: `query ($group: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      node(id: $group) { ... on Group { members${PAGE_ARGS} ${CONNECTION_SELECTION} } }
    }`,
    variables: (w) => ({ group: w.group.id }),
    pick: (data) => data.node?.members,
  },
};

describe('cursors', () => {
  it.each(ROLES)("taken from A's lists show B's %s only B's rows", async (_role, tokenOf) => {
    const token = tokenOf(b);
    for (const [key, connection] of Object.entries(CONNECTIONS)) {
      const aList = connection.pick((await run(connection.document, { ...connection.variables(a), first: 100 }, a.tenant.token)).data);
      const aEdges = items(aList.edges);
      expect(aEdges.length, key).toBeGreaterThan(0);
      const full = await run(connection.document, { ...connection.variables(b), first: 100 }, token);
      const bIds = full.errors ? [] : items(connection.pick(full.data).edges).map((edge) => text(edge.node.id));

      for (const cursor of new Set([text(aEdges[0].cursor), text(aEdges[aEdges.length - 1].cursor)])) {
        for (const page of [{ first: 100, after: cursor }, { last: 100, before: cursor }]) {
          const result = await run(connection.document, { ...connection.variables(b), ...page }, token);
          const label = `${key} ${JSON.stringify(page)}`;
          expect(leaked(result, a), label).toEqual([]);
          if (result.errors) {
            expect(['VALIDATION', 'FORBIDDEN'], label).toContain(result.errors[0].extensions?.code);
            continue;
          }
          const list = connection.pick(result.data);
          expect(bIds, label).toEqual(expect.arrayContaining(items(list.edges).map((edge) => text(edge.node.id))));
          expect(list.totalCount, label).toBe(bIds.length);
        }
      }
    }
  }, 60_000);
});

describe("A's verified domain", () => {
  it("is open to A's addresses and closed to B's", async () => {
    const address = `${unique('taken')}@${a.verifiedDomain.name}`;
    const before = await tenantRows(db, a.tenant.masterAccountId);
    const created = await run(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${ERROR} ... on DomainNotVerifiedError { domain } } }`,
      { input: { address, displayName: 'Intruder', password: 'a long passphrase', plan: 'FREE' } },
      b.tenant.token,
    );
    expect(created.data.createUser).toMatchObject({ __typename: 'DomainNotVerifiedError', domain: a.verifiedDomain.name });
    const aliased = await run(
      `mutation ($input: AddAliasInput!) { addAlias(input: $input) { ${ERROR} ... on DomainNotVerifiedError { domain } } }`,
      { input: { userId: b.member.id, address } },
      b.tenant.token,
    );
    expect(aliased.data.addAlias).toMatchObject({ __typename: 'DomainNotVerifiedError', domain: a.verifiedDomain.name });
    expect(await tenantRows(db, a.tenant.masterAccountId)).toEqual(before);

    const own = await run(
      `mutation ($input: AddAliasInput!) { addAlias(input: $input) { ${ERROR} } }`,
      { input: { userId: a.member.id, address } },
      a.tenant.token,
    );
    expect(own.data.addAlias.__typename).toBe('AddAliasSuccess');
  });
});
