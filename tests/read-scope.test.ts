/**
 * READ gates reading (issue 22). A token without the READ scope reaches, from the query root, only
 * a short allow-list; everything else of its master account is refused with FORBIDDEN. The test
 * does not list fields to try: it walks the schema the server runs (`schema`), from every field of
 * Query (viewer, node, nodes, and any added later) and of Subscription, building a query for each
 * field it can reach, so a field added tomorrow is walked too.
 */
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../server/schema/index.js';
import { items, MAIL_DOMAIN, PASSWORD, startApp, text, typeOfId, unique, type GraphQLResponse, type Loose, type Tenant } from './harness.js';

const app = await startApp();

/**
 * What a token without READ may read from the query root, by path, and why. Anything else the walk
 * finds answering with data fails the test.
 */
const ALLOWED_WITHOUT_READ = new Map<string, string>([
  ['viewer', 'the entry point of the two entries below (null without a token)'],
  ['viewer.scopes', 'what the token may do: how an integration learns why it is refused'],
  ['viewer.user', 'only to reach its id: the field refuses any other selection'],
  ['viewer.user.id', "the token's own user, which updateUser takes to change one's own name or password"],
  [
    'viewer.secondFactorMissing',
    "the request's own session state, like scopes; false for every API token, and only API tokens lack READ (sessions have every scope)",
  ],
  ['planPrices', 'the public price list, readable without any token (planPrices.* likewise)'],
]);

function allowedWithoutRead(path: string): boolean {
  return ALLOWED_WITHOUT_READ.has(path) || path.startsWith('planPrices.');
}

// ---------------------------------------------------------------------------------------------
// Probes: one field at the end of a path, selected alone
// ---------------------------------------------------------------------------------------------

interface Arg {
  name: string;
  type: string;
  value: unknown;
}

interface Step {
  field: string;
  args: Arg[];
  /** The parent is abstract (Node from `node`): the field is selected in `... on <on>`. */
  on?: string;
}

/** The document selecting the last step's field alone (its `__typename` when it is an object). */
function document(operation: 'query' | 'subscription', steps: Step[], composite: boolean): { query: string; variables: Record<string, unknown> } {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  let selection = composite ? '{ __typename }' : '';
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    const args = step.args.map((arg, j) => {
      const name = `v${i}_${j}`;
      declarations.push(`$${name}: ${arg.type}`);
      variables[name] = arg.value;
      return `${arg.name}: $${name}`;
    });
    const field = `${step.field}${args.length ? `(${args.join(', ')})` : ''} ${selection}`;
    selection = `{ ${step.on ? `... on ${step.on} { ${field} }` : field} }`;
  }
  return { query: `${operation}${declarations.length ? `(${declarations.join(', ')})` : ''} ${selection}`, variables };
}

/** The values the response holds at the end of the path, lists along the way flattened. */
function valuesAt(data: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [data];
  steps.forEach((step, i) => {
    const next: unknown[] = [];
    for (const parent of current) {
      if (parent === null || typeof parent !== 'object' || !(step.field in parent)) continue;
      const value = (parent as Record<string, unknown>)[step.field];
      if (i === steps.length - 1) next.push(value);
      else if (Array.isArray(value)) next.push(...(value.flat(Infinity) as unknown[]).filter((item) => item !== null));
      else if (value !== null) next.push(value);
    }
    current = next;
  });
  return current;
}

/** A value for an argument the field requires (or `first` of a connection, kept small for the cost limit). */
function sampleValue(type: GraphQLInputType, someId: string): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType, someId);
  if (isListType(type)) return [sampleValue(type.ofType, someId)];
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return Object.fromEntries(required.map((field) => [field.name, sampleValue(field.type, someId)]));
  }
  if (isEnumType(type)) return type.getValues()[0].name;
  const samples: Record<string, unknown> = {
    ID: someId,
    String: 'x',
    Int: 1,
    Float: 1,
    Boolean: false,
    DateTime: '2030-01-01T00:00:00.000Z',
    Decimal: '1.00',
    JSON: {},
  };
  if (!(type.name in samples)) throw new Error(`the walk has no sample value for ${type.name}: add one`);
  return samples[type.name];
}

function argsOf(field: GraphQLField<unknown, unknown>, someId: string): Arg[] {
  return field.args
    .filter((arg) => (isNonNullType(arg.type) && arg.defaultValue === undefined) || (arg.name === 'first' && String(arg.type) === 'Int'))
    .map((arg) => ({ name: arg.name, type: String(arg.type), value: arg.name === 'first' ? 3 : sampleValue(arg.type, someId) }));
}

interface Walk {
  /** Paths whose field answered (a value, or null without an error). */
  reached: string[];
  /** `Type.field` of every field that answered. */
  reachedFields: Set<string>;
  /** Paths refused, with the error codes of the refusal. */
  refused: { path: string; codes: unknown[] }[];
  /** Reached paths that are not allowed (not walked further). */
  leaks: string[];
  /** Every value of an `id` field of a Node type seen. */
  ids: Set<string>;
}

interface WalkOptions {
  token: string;
  allowed: (path: string) => boolean;
  /** Global IDs for node(id:) and nodes(ids:). */
  nodeIds: string[];
  /** Probe each `Type.field` once, through the first path that reaches it (for a token that reaches everything). */
  once: boolean;
}

const MAX_DEPTH = 10;

interface Probe {
  steps: Step[];
  path: string;
  coordinate: string;
  type: GraphQLOutputType;
  depth: number;
}

/**
 * Walks every field of Query that answers, breadth first (so `once` probes each field through a
 * shortest path), with one probe per path.
 */
async function walk(options: WalkOptions): Promise<Walk> {
  const result: Walk = { reached: [], reachedFields: new Set(), refused: [], leaks: [], ids: new Set() };
  const probed = new Set<string>();
  const someId = options.nodeIds[0] ?? 'none';
  const queue: Probe[] = [];

  async function visit({ steps, path, coordinate, type, depth }: Probe): Promise<void> {
    const named = getNamedType(type);
    const composite = isCompositeType(named);
    const { query, variables } = document('query', steps, composite);
    const response = await app.gql(query, variables, options.token);
    // An error outside any field (a document the server refuses, a cost limit) is the walk's bug.
    const documentErrors = (response.errors ?? []).filter((error) => !error.path);
    if (documentErrors.length > 0) throw new Error(`the probe ${query} ${JSON.stringify(variables)} failed: ${JSON.stringify(documentErrors)}`);
    const values = valuesAt(response.data, steps);
    const answered = values.some((value) => value !== null) || (values.length > 0 && !response.errors);
    if (!answered) {
      result.refused.push({ path, codes: (response.errors ?? []).map((error) => error.extensions?.code) });
      return;
    }
    result.reached.push(path);
    result.reachedFields.add(coordinate);
    if (coordinate.endsWith('.id')) for (const id of values.flat(Infinity)) if (typeof id === 'string') result.ids.add(id);
    if (!options.allowed(path)) {
      result.leaks.push(path);
      return;
    }
    if (!composite || depth >= MAX_DEPTH) return;
    const abstract = !isObjectType(named);
    const typenames = abstract
      ? [...new Set(values.flat(Infinity).map((value) => (value as { __typename?: string } | null)?.__typename).filter((name) => name !== undefined))]
      : [named.name];
    for (const typename of typenames) {
      const objectType = schema.getType(typename) as GraphQLObjectType;
      for (const field of Object.values(objectType.getFields())) {
        const child = `${typename}.${field.name}`;
        if (options.once) {
          if (probed.has(child)) continue;
          probed.add(child);
        }
        const step: Step = { field: field.name, args: argsOf(field, someId), ...(abstract ? { on: typename } : {}) };
        queue.push({ steps: [...steps, step], path: `${path}${abstract ? `<${typename}>` : ''}.${field.name}`, coordinate: child, type: field.type, depth: depth + 1 });
      }
    }
  }

  const queryType = schema.getQueryType();
  if (!queryType) throw new Error('the schema has no Query type');
  for (const field of Object.values(queryType.getFields())) {
    const coordinate = `Query.${field.name}`;
    const at = (args: Arg[], path = field.name): Probe => ({ steps: [{ field: field.name, args }], path, coordinate, type: field.type, depth: 1 });
    if (field.name === 'node') queue.push(...options.nodeIds.map((id) => at([{ name: 'id', type: 'ID!', value: id }], `node(${typeOfId(id)} id)`)));
    else if (field.name === 'nodes') queue.push(at([{ name: 'ids', type: '[ID!]!', value: options.nodeIds }]));
    else queue.push(at(argsOf(field, someId)));
  }
  for (let next = queue.shift(); next; next = queue.shift()) await visit(next);
  return result;
}

/** Every object type a query can return from `root`, through interfaces and unions. */
function objectTypesReachableFrom(root: GraphQLObjectType): Set<GraphQLObjectType> {
  const found = new Set<GraphQLObjectType>();
  const pending: GraphQLObjectType[] = [root];
  for (let type = pending.pop(); type; type = pending.pop()) {
    if (found.has(type)) continue;
    found.add(type);
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      if (isObjectType(named)) pending.push(named);
      else if (isAbstractType(named)) pending.push(...schema.getPossibleTypes(named));
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions over Server-Sent Events
// ---------------------------------------------------------------------------------------------

/**
 * Opens each field of Subscription with `token` and returns what its stream said first: the
 * errors of a refusal, or "open" when no event came within the wait (the subscription was taken).
 */
async function subscribeTo(token: string, fieldName: string): Promise<{ errors?: GraphQLResponse['errors']; data?: unknown } | 'open'> {
  const subscriptionType = schema.getSubscriptionType();
  const field = subscriptionType?.getFields()[fieldName];
  if (!field) throw new Error(`no subscription ${fieldName}`);
  const { query, variables } = document('subscription', [{ field: fieldName, args: argsOf(field, 'none') }], isCompositeType(getNamedType(field.type)));
  const abort = new AbortController();
  const response = await app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return (await response.json()) as { errors?: GraphQLResponse['errors'] };
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // A refusal comes at once; a stream that stays quiet this long was accepted.
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), 3_000)));
  let buffer = '';
  try {
    for (;;) {
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (block.startsWith('event: next') && data) return JSON.parse(data.slice('data: '.length)) as { errors?: GraphQLResponse['errors'] };
      }
      const read = await Promise.race([reader.read(), quiet]);
      if (read === 'open') return 'open';
      if (read.done) throw new Error(`the stream of ${fieldName} ended without an event`);
      buffer += read.value;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
    void reader.cancel().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// A tenant with data in every corner
// ---------------------------------------------------------------------------------------------

const ERROR = `__typename ... on Error { code message } ... on ValidationError { field }`;

async function mutate(token: string, name: string, input: Record<string, unknown>, selection: string): Promise<Loose> {
  const inputType = `${name.charAt(0).toUpperCase()}${name.slice(1)}Input!`;
  const result = await app.gql(`mutation ($input: ${inputType}) { ${name}(input: $input) { ${ERROR} ${selection} } }`, { input }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data[name];
}

async function succeeded(token: string, name: string, input: Record<string, unknown>, selection: string): Promise<Loose> {
  const payload = await mutate(token, name, input, selection);
  expect(String(payload.__typename), JSON.stringify(payload)).toMatch(/Success$/);
  return payload;
}

async function apiToken(owner: Tenant, scopes: string[]): Promise<string> {
  const payload = await succeeded(owner.token, 'createApiToken', { name: unique('scoped'), scopes }, '... on CreateApiTokenSuccess { token }');
  return text(payload.token);
}

/** Every global ID of the tenant the owner can list. */
async function idsOf(owner: Tenant): Promise<string[]> {
  const page = 'first: 100';
  const result = await app.gql(
    `{ viewer { masterAccount {
      id
      users(${page}) { edges { node { id aliases { id } } } }
      groups(${page}) { edges { node { id } } }
      resources(${page}) { edges { node { id } } }
      domains(${page}) { edges { node { id } } }
      ledger(${page}) { edges { node { id } } }
      auditLog(${page}) { edges { node { id } } }
      apiTokens(${page}) { edges { node { id } } }
    } } }`,
    {},
    owner.token,
  );
  expect(result.errors).toBeUndefined();
  const account = result.data.viewer.masterAccount;
  const listed = (connection: Loose) => items(connection.edges).map((edge) => text(edge.node.id));
  return [
    text(account.id),
    ...listed(account.users),
    ...items(account.users.edges).flatMap((edge) => items(edge.node.aliases).map((alias) => text(alias.id))),
    ...listed(account.groups),
    ...listed(account.resources),
    ...listed(account.domains),
    ...listed(account.ledger),
    ...listed(account.auditLog),
    ...listed(account.apiTokens),
  ];
}

let owner: Tenant;
let nodeIds: string[];
let ownerWalk: Walk;

beforeAll(async () => {
  owner = await app.signUp(); // ENTRY, with a deposit: the ledger's first entry
  const member = await app.createUser(owner); // an ENTRY account: a charge in the ledger
  await succeeded(owner.token, 'addAlias', { userId: owner.ownerId, address: `${unique('owner-alias')}@${MAIL_DOMAIN}` }, '');
  await succeeded(owner.token, 'addAlias', { userId: member.id, address: `${unique('member-alias')}@${MAIL_DOMAIN}` }, '');
  await succeeded(
    owner.token,
    'createUser',
    { address: `${unique('list')}@${MAIL_DOMAIN}`, displayName: 'A list', plan: 'FREE', kind: 'MAILING_LIST', listMembers: ['someone@example.org'] },
    '',
  );
  const group = await succeeded(
    owner.token,
    'createGroup',
    { name: unique('team'), description: 'The team', memberIds: [owner.ownerId, member.id] },
    '... on CreateGroupSuccess { group { id } }',
  );
  const resource = await succeeded(
    owner.token,
    'createResource',
    { kind: 'CALENDAR', name: 'Team calendar', ownerId: member.id },
    '... on CreateResourceSuccess { resource { id } }',
  );
  await succeeded(owner.token, 'shareResource', { resourceId: text(resource.resource.id), groupId: text(group.group.id), permission: 'WRITE' }, '');
  await succeeded(owner.token, 'addDomain', { name: `${unique('d')}.example.org`.toLowerCase() }, '');
  await apiToken(owner, ['READ']);
  nodeIds = await idsOf(owner);
  // The owner's session reads everything: the same walk shows the probes reach what they should.
  ownerWalk = await walk({ token: owner.token, allowed: () => true, nodeIds, once: true });
  nodeIds = [...new Set([...nodeIds, ...ownerWalk.ids])];
}, 120_000);

describe('the walk itself', () => {
  it("reaches the account's data with the owner's session", () => {
    expect(ownerWalk.leaks).toEqual([]);
    for (const field of [
      'Query.viewer',
      'Query.node',
      'Query.nodes',
      'Viewer.user',
      'Viewer.masterAccount',
      'User.address',
      'User.aliases',
      'Alias.address',
      'User.access',
      'ResourceAccess.resource',
      'SharedResource.access',
      'UserAccess.user',
      'Group.members',
      'MasterAccount.users',
      'MasterAccount.ledger',
      'LedgerEntry.amount',
      'LedgerEntry.user',
      'MasterAccount.auditLog',
      'AuditEvent.details',
      'Domain.name',
      'ApiToken.name',
      'MasterAccount.balance',
      'User.listMembers',
    ]) {
      expect(ownerWalk.reachedFields, field).toContain(field);
    }
  });

  it('answers every field of every type the query root can lead to (else give the tenant data for it)', () => {
    const queryType = schema.getQueryType();
    if (!queryType) throw new Error('the schema has no Query type');
    const fields = [...objectTypesReachableFrom(queryType)].flatMap((type) => Object.keys(type.getFields()).map((field) => `${type.name}.${field}`));
    expect(fields.filter((field) => !ownerWalk.reachedFields.has(field))).toEqual([]);
  });
});

describe('a token without READ', () => {
  it.each([[['WRITE']], [['BILLING']], [['WRITE', 'BILLING']]])(
    'with %j reaches nothing from the query root but the allow-list, every refusal FORBIDDEN',
    async (scopes) => {
      const token = await apiToken(owner, scopes);
      const walked = await walk({ token, allowed: allowedWithoutRead, nodeIds, once: false });
      expect(walked.leaks).toEqual([]);
      expect(walked.reached).toEqual(expect.arrayContaining(['viewer', 'viewer.scopes', 'viewer.user', 'viewer.user.id']));
      // Something was refused on the way (node for every ID, every field of the user...), always as FORBIDDEN.
      expect(walked.refused.length).toBeGreaterThan(nodeIds.length);
      expect(walked.refused.filter((refusal) => !refusal.codes.includes('FORBIDDEN'))).toEqual([]);
    },
    120_000,
  );

  it('reads its scopes and its own user id, and nothing more of its user or account', async () => {
    const token = await apiToken(owner, ['WRITE']);
    const allowed = await app.gql(`{ viewer { __typename scopes user { __typename id ... on User { id } ...Id } } } fragment Id on User { id }`, {}, token);
    expect(allowed).toEqual({ data: { viewer: { __typename: 'Viewer', scopes: ['WRITE'], user: { __typename: 'User', id: owner.ownerId } } } });

    for (const query of [
      '{ viewer { user { id address } } }',
      '{ viewer { user { id ... on User { displayName } } } }',
      '{ viewer { user { ...More } } } fragment More on User { id access { permission } }',
      // A field a directive skips is refused all the same: the check reads the document, not the answer.
      '{ viewer { user { id groups @include(if: false) { role } } } }',
      '{ viewer { masterAccount { id } } }',
      '{ viewer { scopes masterAccount { __typename } } }',
    ]) {
      const result = await app.gql(query, {}, token);
      expect({ query, data: result.data }).toEqual({ query, data: { viewer: null } });
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });

  it.each([[['WRITE']], [['BILLING']], [['WRITE', 'BILLING']]])('with %j is refused every subscription', async (scopes) => {
    const token = await apiToken(owner, scopes);
    const fields = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const first = await subscribeTo(token, field);
      expect({ field, first }).toMatchObject({ field, first: { errors: [{ extensions: { code: 'FORBIDDEN' } }] } });
      expect(first === 'open' ? undefined : first.data ?? null).toBeNull();
    }
  });

  it('reads back what the mutations it runs return', async () => {
    const token = await apiToken(owner, ['WRITE']);
    const created = await succeeded(
      token,
      'createUser',
      { address: `${unique('hire')}@${MAIL_DOMAIN}`, displayName: 'New Hire', password: PASSWORD, plan: 'ENTRY' },
      '... on CreateUserSuccess { user { id address displayName plan status aliases { id } } ledgerEntry { kind amount { minorUnits } } }',
    );
    expect(created).toMatchObject({
      __typename: 'CreateUserSuccess',
      user: { displayName: 'New Hire', plan: 'ENTRY', status: 'ACTIVE', aliases: [] },
      ledgerEntry: { kind: 'CHARGE', amount: { minorUnits: -250 } },
    });
    const address = `${unique('hire-alias')}@${MAIL_DOMAIN}`;
    const alias = await succeeded(
      token,
      'addAlias',
      { userId: text(created.user.id), address },
      '... on AddAliasSuccess { alias { id address createdAt user { id address } } }',
    );
    expect(alias.alias).toMatchObject({ address, user: { id: created.user.id, address: created.user.address } });

    // The one thing of its user it reads from the query root is what a mutation on itself takes.
    const me = await app.gql('{ viewer { user { id } } }', {}, token);
    const renamed = await succeeded(
      token,
      'updateUser',
      { userId: text(me.data.viewer.user.id), displayName: 'Renamed Owner' },
      '... on UpdateUserSuccess { user { id displayName } }',
    );
    expect(renamed.user).toEqual({ id: owner.ownerId, displayName: 'Renamed Owner' });
  });
});

describe('a token with READ', () => {
  it('reads its user and master account through viewer as before', async () => {
    const token = await apiToken(owner, ['READ']);
    const result = await app.gql('{ viewer { scopes user { id address aliases { address } } masterAccount { id name } } }', {}, token);
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer).toMatchObject({ scopes: ['READ'], user: { id: owner.ownerId, address: owner.ownerAddress }, masterAccount: { id: owner.masterAccountId } });
    expect(items(result.data.viewer.user.aliases)).toHaveLength(1);
  });
});
