import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../server/schema/index.js';
import { items, MAIL_DOMAIN, startApp, text, typeOfId, unique, type Loose, type Tenant } from './harness.js';

/*
 * Property-based fuzzing of the real application (yoga.fetch over a real database): whatever a
 * client sends, the answer is a typed result or an error a client can act on, never a crash.
 */

const app = await startApp();

// ---------------------------------------------------------------------------------------------
// What counts as a crash
// ---------------------------------------------------------------------------------------------

/** The codes of the errors the API means to report (server/domain/errors.ts and the scopes). */
const EXPECTED_CODES = new Set([
  'VALIDATION',
  'NOT_FOUND',
  'ADDRESS_TAKEN',
  'ADDRESS_RESERVED',
  'DOMAIN_NOT_VERIFIED',
  'DOMAIN_TAKEN',
  'DOMAIN_IN_USE',
  'ALIAS_LIMIT_REACHED',
  'GROUP_NAME_TAKEN',
  'VERIFICATION_FAILED',
  'INSUFFICIENT_FUNDS',
  'IDEMPOTENCY_CONFLICT',
  'UPGRADE_REQUIRED',
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'SECOND_FACTOR_REQUIRED',
  'UNAUTHENTICATED',
]);

/** Internals that must never reach a client: stack frames, source paths, SQL and driver messages. */
const INTERNALS = [
  /\n\s+at /,
  /\.[cm]?[jt]s:\d+/,
  /node_modules/,
  /Failed query/i,
  /duplicate key value/i,
  /violates .* constraint/i,
  /relation "/i,
  /column "/i,
  /syntax error at or near/i,
  /invalid input syntax for/i,
  /invalid byte sequence/i,
  /out of range for type/i,
  /date\/time field value out of range/i,
];

interface WireError {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown; unexpected?: unknown };
}

interface Exchange {
  status: number;
  body: string;
  json: { data?: Loose | null; errors?: WireError[] } | null;
}

/** The reasons an answer counts as a crash; empty when it does not. */
function crashes(exchange: Exchange): string[] {
  const found: string[] = [];
  if (exchange.status >= 500) found.push(`HTTP ${exchange.status}`);
  for (const pattern of INTERNALS) if (pattern.test(exchange.body)) found.push(`internals in the body: ${pattern}`);
  for (const error of exchange.json?.errors ?? []) {
    const code = error.extensions?.code;
    if (error.message === 'Unexpected error.' || code === 'INTERNAL_SERVER_ERROR' || error.extensions?.unexpected === true) {
      found.push(`masked unexpected error at ${JSON.stringify(error.path)}`);
    } else if (error.path !== undefined && !EXPECTED_CODES.has(String(code))) {
      // Parse, validation and variable errors come before execution and carry no path; an error
      // raised while executing must be one the API means, with its code.
      found.push(`execution error without a known code: ${JSON.stringify(error)}`);
    }
  }
  return found;
}

async function exchange(init: { method?: string; path?: string; body?: string; contentType?: string; token?: string | null }): Promise<Exchange> {
  const headers: Record<string, string> = {};
  if (init.contentType) headers['content-type'] = init.contentType;
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await app.fetch(init.path ?? '/graphql', { method: init.method ?? 'POST', headers, body: init.body });
  const body = await response.text();
  let json: Exchange['json'] = null;
  try {
    json = JSON.parse(body) as Exchange['json'];
  } catch {
    // Not JSON: judged on its status and text alone.
  }
  return { status: response.status, body, json };
}

async function post(query: string, variables: unknown, token: string | null): Promise<Exchange> {
  return exchange({ body: JSON.stringify({ query, variables }), contentType: 'application/json', token });
}

function describeExchange(input: unknown, answer: Exchange): string {
  return `${JSON.stringify(input).slice(0, 2000)}\n=> ${answer.status} ${answer.body.slice(0, 2000)}`;
}

// ---------------------------------------------------------------------------------------------
// A tenant to aim at, so valid IDs and tokens reach deep into the resolvers
// ---------------------------------------------------------------------------------------------

interface Target {
  tenant: Tenant;
  member: { id: string; address: string; token: string };
  readToken: string;
  /** One object of each kind, by type name. */
  objects: Record<string, string>;
  ids: string[];
  domain: string;
  /** Real cursors of each list (`MasterAccount.users`, ...), of every order. */
  cursors: Record<string, string[]>;
}

async function gqlOk(query: string, variables: Record<string, unknown>, token: string, name: string): Promise<Loose> {
  const result = await app.gql(query, variables, token);
  const payload = result.data[name];
  expect(String(payload?.__typename), JSON.stringify(result)).toMatch(/Success$/);
  return payload;
}

async function target(): Promise<Target> {
  const tenant = await app.signUp();
  const user = await app.createUser(tenant, { role: 'MEMBER' });
  const member = { ...user, token: await app.logIn(user.address) };
  const domain = `${unique('fuzz')}.example`.toLowerCase();
  const added = await gqlOk(
    `mutation ($input: AddDomainInput!) { addDomain(input: $input) { __typename ... on AddDomainSuccess { domain { id } } } }`,
    { input: { name: domain } },
    tenant.token,
    'addDomain',
  );
  const alias = await gqlOk(
    `mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename ... on AddAliasSuccess { alias { id } } } }`,
    { input: { userId: member.id, address: `${unique('alias')}@${MAIL_DOMAIN}` } },
    tenant.token,
    'addAlias',
  );
  const group = await gqlOk(
    `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { __typename ... on CreateGroupSuccess { group { id } } } }`,
    { input: { name: unique('group'), memberIds: [member.id] } },
    tenant.token,
    'createGroup',
  );
  const resource = await gqlOk(
    `mutation ($input: CreateResourceInput!) { createResource(input: $input) { __typename ... on CreateResourceSuccess { resource { id } } } }`,
    { input: { kind: 'DOCUMENTS', name: unique('folder'), ownerId: member.id } },
    tenant.token,
    'createResource',
  );
  const token = await gqlOk(
    `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { __typename ... on CreateApiTokenSuccess { token apiToken { id } } } }`,
    { input: { name: unique('read'), scopes: ['READ'] } },
    tenant.token,
    'createApiToken',
  );
  const lists = await app.gql(
    `query ($group: ID!) {
      viewer { masterAccount {
        users(first: 100) { edges { cursor } }
        byName: users(first: 100, orderBy: { field: DISPLAY_NAME }) { edges { cursor } }
        byPlan: users(first: 100, orderBy: { field: PLAN, direction: DESC }) { edges { cursor } }
        domains(first: 100) { edges { cursor } }
        groups(first: 100) { edges { cursor } }
        resources(first: 100) { edges { cursor } }
        apiTokens(first: 100) { edges { cursor } }
        ledger(first: 100) { edges { cursor node { id } } }
        auditLog(first: 100) { edges { cursor node { id } } }
      } }
      node(id: $group) { ... on Group { members(first: 100) { edges { cursor } } } }
    }`,
    { group: group.group.id },
    tenant.token,
  );
  expect(lists.errors).toBeUndefined();
  const account = lists.data.viewer.masterAccount;
  const sessions = await app.gql('{ viewer { user { sessions(first: 100) { edges { cursor node { id } } } } } }', {}, member.token);
  expect(sessions.errors).toBeUndefined();
  const memberSessions = sessions.data.viewer.user.sessions;
  const cursorsOf = (...connections: Loose[]) => connections.flatMap((connection) => items(connection.edges).map((edge) => text(edge.cursor)));
  const objects: Record<string, string> = {
    User: member.id,
    MasterAccount: tenant.masterAccountId,
    Domain: text(added.domain.id),
    Alias: text(alias.alias.id),
    Group: text(group.group.id),
    SharedResource: text(resource.resource.id),
    ApiToken: text(token.apiToken.id),
    LedgerEntry: text(account.ledger.edges[0].node.id),
    AuditEvent: text(account.auditLog.edges[0].node.id),
    Session: text(memberSessions.edges[0].node.id),
  };
  return {
    tenant,
    member,
    readToken: text(token.token),
    domain,
    objects,
    ids: [tenant.ownerId, ...Object.values(objects)],
    cursors: {
      'MasterAccount.users': cursorsOf(account.users, account.byName, account.byPlan),
      'MasterAccount.domains': cursorsOf(account.domains),
      'MasterAccount.groups': cursorsOf(account.groups),
      'MasterAccount.resources': cursorsOf(account.resources),
      'MasterAccount.apiTokens': cursorsOf(account.apiTokens),
      'MasterAccount.ledger': cursorsOf(account.ledger),
      'MasterAccount.auditLog': cursorsOf(account.auditLog),
      'Group.members': cursorsOf(lists.data.node.members),
      'User.sessions': cursorsOf(memberSessions),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Values of every input type, right and wrong
// ---------------------------------------------------------------------------------------------

/** An enum value: bare in a GraphQL literal, a string in JSON variables. */
class EnumName {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

type Value = null | boolean | number | string | EnumName | Value[] | { [key: string]: Value };

const TYPENAMES = ['User', 'MasterAccount', 'ApiToken', 'AuditEvent', 'Domain', 'Alias', 'LedgerEntry', 'Group', 'SharedResource', 'Session', 'Nope', ''];

/** encodeURIComponent refuses lone surrogates; a client's library would have sent U+FFFD. */
function uriComponent(value: string): string {
  return encodeURIComponent(value.replace(/\p{Cs}/gu, '\ufffd'));
}

function base64(value: string, url = false): string {
  return Buffer.from(value).toString(url ? 'base64url' : 'base64');
}

/** Strings a careless server chokes on: NUL, control and bidi characters, quotes, LIKE wildcards, emoji. */
const NASTY = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\n',
  '\t\r\n',
  '\u0007\u001b[31m',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\uffff',
  "'; drop table users; --",
  '" OR "1"="1',
  '%',
  '_',
  '\\',
  '%_\\%',
  '😀',
  '👩‍👩‍👧‍👦',
  'ß',
  'İ',
  'ǅ',
  'Ⅻ',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '${x}',
  '{{x}}',
  '<script>alert(1)</script>',
);

/** A plain string with one troublesome character inside. */
const poisoned = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\u0000', '\u0000', '\u0007', '\n', '\u202e', '%', '_', '\\', "'", '"', '😀', '\ud800'), fc.string({ maxLength: 12 }))
  .map(([before, odd, after]) => `${before}${odd}${after}`);

const shortString = fc.oneof(
  { weight: 3, arbitrary: NASTY },
  { weight: 3, arbitrary: poisoned },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }) },
);

const longString = fc
  .tuple(fc.oneof(NASTY, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })), fc.integer({ min: 60, max: 12_000 }))
  .map(([unit, times]) => (unit || 'x').repeat(times));

function addressArb(domains: string[]): fc.Arbitrary<string> {
  const local = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'aZ09._+-@" ü\u0000%'.split('')), minLength: 0, maxLength: 70 }),
    fc.constantFrom('abuse', 'postmaster', 'Ada', 'a..b', '.a', 'a.', '-', '+', 'a'.repeat(64), 'a'.repeat(65)),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
  );
  const domain = fc.oneof(
    fc.constantFrom(
      MAIL_DOMAIN,
      MAIL_DOMAIN.toUpperCase(),
      ...domains,
      'bücher.example',
      'xn--bcher-kva.example',
      'xn--.example',
      '-bad-.example',
      'a..example',
      '.',
      '',
      'localhost',
      '127.0.0.1',
      '[127.0.0.1]',
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`,
      `${'a'.repeat(64)}.example`,
      '😀.example',
      'exa\u0000mple.com',
    ),
    fc.domain(),
    fc.string({ maxLength: 20 }),
  );
  return fc.oneof(fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`), fc.emailAddress(), shortString);
}

/** Keyset values a lenient cursor check might let through to SQL: impossible dates, NUL, odd numbers. */
const POISONED_KEYS = fc.oneof(
  fc.constantFrom<unknown>(
    '2026-02-30T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00+99:99',
    'x\u0000',
    '\u0000',
    '',
    'PRO',
    'OWNER',
    'MAILING_LIST',
    'SUSPENDED',
    'ZZZ',
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    -1,
    0,
    1.5,
    1e308,
    null,
    true,
    [],
    {},
  ),
  fc.uuid(),
  shortString,
);

/**
 * Cursors: the target's real ones; real ones with one keyset value swapped for a poisoned one (the
 * shape a cursor check accepts); and arrays and strings of anything.
 */
function cursorArb(t: Target, list: string | null): fc.Arbitrary<string> {
  const cursors = (list ? t.cursors[list] : undefined) ?? Object.values(t.cursors).flat();
  const real = cursors.map((cursor) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]);
  const mutated = fc.tuple(fc.constantFrom(...real), fc.nat(), POISONED_KEYS).map(([values, at, poison]) => {
    const copy = [...values];
    copy[at % copy.length] = poison;
    return base64(JSON.stringify(copy), true);
  });
  const crafted = fc.array(POISONED_KEYS, { minLength: 0, maxLength: 4 }).map((values) => base64(JSON.stringify(values), true));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...cursors) },
    { weight: 4, arbitrary: mutated },
    { weight: 1, arbitrary: crafted },
    { weight: 1, arbitrary: shortString },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 80 }) },
  );
}

function idArb(t: Target): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...t.ids) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...TYPENAMES), fc.uuid()).map(([type, id]) => base64(`${type}:${id}`)) },
    fc.tuple(fc.constantFrom(...TYPENAMES), shortString).map(([type, id]) => base64(`${type}:${id}`)),
    fc.tuple(fc.constantFrom(...TYPENAMES), fc.uuid()).map(([type, id]) => `${type}:${id}`),
    fc.base64String({ maxLength: 100 }),
    shortString,
    longString,
  );
}

const decimalArb = fc.oneof(
  fc.stringMatching(/^-?\d{1,25}(\.\d{1,6})?$/),
  fc.integer({ min: -1_000_000_00, max: 2_000_000_00 }).map((cents) => (cents / 100).toFixed(2)),
  fc.constantFrom(
    '0',
    '0.00',
    '-0.00',
    '1.00',
    '0.99',
    '1.005',
    '10000.00',
    '10000.01',
    '-1.00',
    '99999999999999999999.99',
    '9223372036854775807',
    '92233720368547758.08',
    '1e3',
    'NaN',
    'Infinity',
    ' 1.00',
    '1,00',
    '.5',
    '5.',
    '',
  ),
  shortString,
);

const dateTimeArb = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '2026-02-30T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '2026-01-01',
    '2026-01-01T00:00:00',
    'yesterday',
    '',
  ),
  shortString,
);

const intArb = fc.oneof(
  fc.integer({ min: -5, max: 150 }),
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, Number.MAX_SAFE_INTEGER),
);

/** Any JSON at all, for values of the wrong type. */
const anyValue: fc.Arbitrary<Value> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Value>;

interface Values {
  /** How often (in percent) a value has the wrong shape altogether, at each level. */
  wrongPercent: number;
  id: fc.Arbitrary<string>;
  string: fc.Arbitrary<string>;
  cursor: fc.Arbitrary<string>;
}

function valuesFor(t: Target, wrongPercent: number, list: string | null = null): Values {
  const address = addressArb([t.domain]);
  return {
    wrongPercent,
    id: idArb(t),
    cursor: cursorArb(t, list),
    string: fc.oneof({ weight: 3, arbitrary: shortString }, { weight: 2, arbitrary: address }, longString, cursorArb(t, null)),
  };
}

function scalarArb(name: string, argName: string, values: Values): fc.Arbitrary<Value> {
  switch (name) {
    case 'ID':
      return values.id;
    case 'String':
      return argName === 'after' || argName === 'before' ? values.cursor : values.string;
    case 'Int':
      // Page sizes are mostly valid, so the rest of the arguments reach the database.
      return argName === 'first' || argName === 'last' ? fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 100 }) }, intArb) : intArb;
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'Boolean':
      return fc.boolean();
    case 'Decimal':
      return decimalArb;
    case 'DateTime':
      return dateTimeArb;
    default:
      return anyValue;
  }
}

/** A value for `type`: mostly of the right shape (with odd contents), sometimes of the wrong one. */
function valueArb(type: GraphQLInputType, values: Values, name = '', depth = 0): fc.Arbitrary<Value> {
  const wrong = depth > 3 ? fc.constant(null) : anyValue;
  if (isNonNullType(type)) {
    return fc.oneof({ weight: 30, arbitrary: valueArb(type.ofType, values, name, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  let right: fc.Arbitrary<Value>;
  if (isListType(type)) {
    const item = valueArb(type.ofType, values, name, depth + 1);
    right = fc.oneof(
      { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
      { weight: 2, arbitrary: item },
      // Just past the documented limits (1,000 users or addresses a call).
      { weight: 1, arbitrary: fc.tuple(item, fc.integer({ min: 999, max: 1_001 })).map(([value, count]) => Array<Value>(count).fill(value)) },
    );
  } else if (isEnumType(type)) {
    right = fc.constantFrom(...type.getValues().map((value) => new EnumName(value.name)));
  } else if (isScalarType(type)) {
    right = scalarArb(type.name, name, values);
  } else if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    right = fc.record(
      Object.fromEntries(fields.map((field) => [field.name, valueArb(field.type, values, field.name, depth + 1)])),
      { requiredKeys: fields.filter((field) => isNonNullType(field.type) && field.defaultValue === undefined).map((field) => field.name) },
    ) as fc.Arbitrary<Value>;
  } else {
    right = anyValue;
  }
  return values.wrongPercent > 0
    ? fc.oneof({ weight: 100 - values.wrongPercent, arbitrary: right }, { weight: values.wrongPercent, arbitrary: wrong })
    : right;
}

/** A value written as a GraphQL literal. Object keys that are not names make a parse error, as they should. */
function literal(value: Value): string {
  if (value === null) return 'null';
  if (value instanceof EnumName) return value.name;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Random documents built from the schema
// ---------------------------------------------------------------------------------------------

interface Document {
  query: string;
  variables: unknown;
  token: string | null;
}

interface Building {
  argumentValue: (key: string) => fc.Arbitrary<Value>;
  declarations: string[];
  variables: Record<string, Value>;
  fields: number;
}

const FIELD_BUDGET = 40;
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

function chance(g: fc.GeneratorValue, percent: number): boolean {
  return g(fc.integer, { min: 0, max: 99 }) < percent;
}

/** One of `values`, as `g` chooses (constantFrom's overloads do not infer through `g`). */
function oneOf<T>(g: fc.GeneratorValue, values: readonly T[]): T {
  return values[g(fc.integer, { min: 0, max: values.length - 1 })];
}

function garbageName(g: fc.GeneratorValue): string {
  const name = g(fc.string, { unit: fc.constantFrom(...'abcxyz_019'.split('')), minLength: 1, maxLength: 8 });
  return NAME.test(name) ? name : `x${name}`;
}

function typeText(type: GraphQLInputType): string {
  return String(type);
}

/**
 * The value arbitraries of the arguments, by a string key: `fc.gen` compares the arguments it is
 * given to replay values, and schema objects are cyclic.
 */
function argumentValues(values: Values): (key: string) => fc.Arbitrary<Value> {
  const cache = new Map<string, fc.Arbitrary<Value>>();
  const types = new Map<string, GraphQLInputType>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      for (const arg of field.args) types.set(`${typeText(arg.type)} ${arg.name}`, arg.type);
    }
  }
  return (key) => {
    let arbitrary = cache.get(key);
    if (!arbitrary) {
      const type = types.get(key);
      if (!type) throw new Error(`no argument ${key}`);
      arbitrary = valueArb(type, values, key.slice(key.indexOf(' ') + 1));
      cache.set(key, arbitrary);
    }
    return arbitrary;
  };
}

function argumentsText(g: fc.GeneratorValue, field: GraphQLField<unknown, unknown>, values: Values, building: Building): string {
  const parts: string[] = [];
  for (const arg of field.args) {
    if (!chance(g, isNonNullType(arg.type) ? 95 : 40)) continue;
    const value = g(building.argumentValue, `${typeText(arg.type)} ${arg.name}`);
    if (chance(g, 40)) {
      const variable = `v${building.declarations.length}`;
      const declared = chance(g, 90) ? typeText(arg.type) : oneOf(g, ['String', 'Int!', 'ID', '[ID!]!', 'Boolean', 'JSON', 'Decimal!', 'Nope']);
      building.declarations.push(`$${variable}: ${declared}`);
      if (!chance(g, 5)) building.variables[variable] = value;
      parts.push(`${arg.name}: $${variable}`);
    } else {
      parts.push(`${arg.name}: ${literal(value)}`);
    }
  }
  if (chance(g, 3)) parts.push(`${garbageName(g)}: 1`);
  return parts.length > 0 ? `(${parts.join(', ')})` : '';
}

function selectionText(g: fc.GeneratorValue, type: GraphQLNamedType, depth: number, values: Values, building: Building): string {
  if (isObjectType(type)) return fieldsText(g, type, depth, values, building);
  if (!isUnionType(type) && !isInterfaceType(type)) return '';
  const possible = schema.getPossibleTypes(type);
  const chosen = Array.from({ length: g(fc.integer, { min: 0, max: 2 }) }, () => oneOf(g, possible));
  const fragments = chosen.map((member) => `... on ${member.name} { ${fieldsText(g, member, depth - 1, values, building)} }`);
  const shared = isInterfaceType(type) && chance(g, 50) ? fieldsText(g, type, depth, values, building) : '';
  return ['__typename', shared, ...fragments].filter(Boolean).join(' ');
}

function fieldsText(g: fc.GeneratorValue, type: GraphQLObjectType | GraphQLInterfaceType, depth: number, values: Values, building: Building): string {
  // logOut would end the session the other documents use; it takes nothing to fuzz.
  const fields = Object.values(type.getFields()).filter((field) => field.name !== 'logOut');
  const count = g(fc.integer, { min: 1, max: depth <= 1 ? 5 : 3 });
  const parts: string[] = [];
  for (let i = 0; i < count && building.fields < FIELD_BUDGET; i += 1) {
    building.fields += 1;
    if (chance(g, 3)) {
      parts.push(garbageName(g));
      continue;
    }
    const field = oneOf(g, fields);
    const alias = chance(g, 10) ? `${garbageName(g)}: ` : '';
    const args = argumentsText(g, field, values, building);
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(`${alias}${field.name}${args}`);
    else if (depth <= 1) parts.push(`${alias}${field.name}${args} { __typename }`);
    else parts.push(`${alias}${field.name}${args} { ${selectionText(g, named, depth - 1, values, building) || '__typename'} }`);
  }
  return parts.join(' ') || '__typename';
}

function documentArb(values: Values, tokens: (string | null)[]): fc.Arbitrary<Document> {
  const argumentValue = argumentValues(values);
  return fc.gen().map((g) => {
    const building: Building = { argumentValue, declarations: [], variables: {}, fields: 0 };
    const operation = oneOf(g, ['query', 'mutation'] as const);
    const root = operation === 'query' ? schema.getQueryType() : schema.getMutationType();
    if (!root) throw new Error(`the schema has no ${operation} type`);
    const depth = g(fc.integer, { min: 1, max: 6 });
    const selection = selectionText(g, root, depth, values, building);
    const declarations = building.declarations.length > 0 ? `(${building.declarations.join(', ')})` : '';
    let query = `${operation} ${declarations} { ${selection} }`;
    if (chance(g, 5)) {
      // A few bytes cut off or swapped: the parser must answer, not the resolvers.
      const at = g(fc.integer, { min: 0, max: query.length });
      query = `${query.slice(0, at)}${oneOf(g, ['', '{', '}', '(', '"', '$', '...', '\u0000', '#'])}${query.slice(at + 1)}`;
    }
    const variables = chance(g, 5) ? g(fc.jsonValue) : building.variables;
    return { query, variables: JSON.parse(JSON.stringify(variables)) as unknown, token: oneOf(g, tokens) };
  });
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const RUNS = { numRuns: 150, endOnFailure: true } as const;

// ---------------------------------------------------------------------------------------------
// Every field that takes arguments, reached from the root, with random arguments
// ---------------------------------------------------------------------------------------------

/** Leaf fields, and object fields without arguments `depth` levels down. */
function smallSelection(type: GraphQLNamedType, depth: number): string {
  if (isUnionType(type)) return '__typename';
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const parts = Object.values(type.getFields()).map((field) => {
    const named = getNamedType(field.type);
    if (field.args.length > 0) return '';
    if (isLeafType(named)) return field.name;
    return depth > 1 ? `${field.name} { ${smallSelection(named, depth - 1) || '__typename'} }` : '';
  });
  return ['__typename', ...parts].filter(Boolean).join(' ');
}

interface ArgumentField {
  key: string;
  parent: string;
  field: GraphQLField<unknown, unknown>;
}

/** Fields of queries and of the objects they lead to that take arguments; mutations are fuzzed below. */
const argumentFields: ArgumentField[] = Object.values(schema.getTypeMap())
  .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
  .filter((type) => type !== schema.getMutationType() && type !== schema.getSubscriptionType())
  .flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => field.args.length > 0)
      .map((field) => ({ key: `${type.name}.${field.name}`, parent: type.name, field })),
  );

/** Where a field sits: the root, or inside `node(id:)` with an object of the target of its parent type. */
function reach(parent: string, t: Target, inner: string): { query: (declarations: string) => string; variables: Record<string, Value> } {
  if (parent === schema.getQueryType()?.name) return { query: (declarations) => `query ${declarations} { ${inner} }`, variables: {} };
  const id = t.ids.find((candidate) => typeOfId(candidate) === parent);
  if (!id) throw new Error(`the fuzz target has no ${parent} to reach ${inner} from`);
  return {
    query: (declarations) => `query ${declarations} { node(id: $parent) { ... on ${parent} { ${inner} } } }`,
    variables: { parent: id },
  };
}

// ---------------------------------------------------------------------------------------------
// Poisoning: a valid call with one or two of its values swapped for odd ones, so the odd value
// gets past the others and reaches the code that handles it
// ---------------------------------------------------------------------------------------------

type Path = (string | number)[];

interface Leaf {
  path: Path;
  type: GraphQLInputType;
  /** The name of the argument or input field, which picks its arbitrary (`after` gets cursors). */
  name: string;
}

/** Every place a value can go inside `type`: scalars and enums, whole lists and their first item. */
function leaves(type: GraphQLInputType, path: Path, name: string, within: readonly string[] = []): Leaf[] {
  if (isNonNullType(type)) return leaves(type.ofType, path, name, within);
  if (isListType(type)) return [{ path, type, name }, ...leaves(type.ofType, [...path, 0], name, within)];
  if (isInputObjectType(type)) {
    if (within.includes(type.name)) return [];
    return [
      { path, type, name },
      ...Object.values(type.getFields()).flatMap((field) => leaves(field.type, [...path, field.name], field.name, [...within, type.name])),
    ];
  }
  return [{ path, type, name }];
}

function setAt(root: Record<string, Value>, path: Path, value: Value): void {
  let node: Record<string | number, Value> = root;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === null || typeof next !== 'object' || next instanceof EnumName) {
      node[segment] = typeof path[i + 1] === 'number' ? [] : {};
    }
    node = node[segment] as Record<string | number, Value>;
  });
}

/** `base` with one or two of its places poisoned. */
function poisonedArb(base: Record<string, Value>, places: Leaf[], values: Values): fc.Arbitrary<Record<string, Value>> {
  const poison = fc.constantFrom(...places).chain((leaf) => valueArb(leaf.type, values, leaf.name).map((value) => ({ path: leaf.path, value })));
  return fc.array(poison, { minLength: 1, maxLength: 2 }).map((changes) => {
    const copy = structuredClone(base);
    for (const change of changes) setAt(copy, change.path, change.value);
    return JSON.parse(JSON.stringify(copy)) as Record<string, Value>;
  });
}

// ---------------------------------------------------------------------------------------------
// Every field that takes arguments, reached from the root, with poisoned arguments
// ---------------------------------------------------------------------------------------------

/** A valid set of arguments for each field that takes some; the guard below wants one for every such field. */
const VALID_ARGUMENTS: Record<string, (t: Target) => Record<string, Value>> = {
  'Query.node': (t) => ({ id: t.objects.Group }),
  'Query.nodes': (t) => ({ ids: [t.objects.User, t.objects.Domain] }),
  'MasterAccount.users': () => ({ first: 10, filter: { search: 'user' }, orderBy: { field: 'ADDRESS', direction: 'ASC' } }),
  'MasterAccount.domains': () => ({ first: 10 }),
  'MasterAccount.groups': () => ({ first: 10 }),
  'MasterAccount.resources': () => ({ first: 10 }),
  'MasterAccount.apiTokens': () => ({ first: 10 }),
  'MasterAccount.ledger': (t) => ({ first: 10, filter: { userId: t.member.id, kind: 'CHARGE', from: '2020-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z' } }),
  'MasterAccount.auditLog': () => ({ last: 10 }),
  'Group.members': () => ({ first: 10 }),
  'User.sessions': () => ({ first: 10 }),
};

describe('poisoned arguments for every field that takes them', () => {
  it('has a valid call for every such field', () => {
    expect(Object.keys(VALID_ARGUMENTS).sort()).toEqual(argumentFields.map((entry) => entry.key).sort());
  });

  let shared: Promise<Target> | undefined;
  it.each(argumentFields.map((entry) => [entry.key, entry] as const))('%s never crashes', async (key, { parent, field }) => {
    // Reading changes nothing, so one target serves every field.
    shared ??= target();
    const t = await shared;
    const valid = VALID_ARGUMENTS[key];
    if (!valid) throw new Error(`no valid arguments for ${key}`);
    const places = field.args.flatMap((arg) => leaves(arg.type, [arg.name], arg.name));
    const args = poisonedArb(valid(t), places, valuesFor(t, 2, key));
    const selection = smallSelection(getNamedType(field.type), 3);
    await fc.assert(
      fc.asyncProperty(args, fc.boolean(), fc.constantFrom(t.tenant.token, t.tenant.token, t.member.token, t.readToken), async (chosen, inline, token) => {
        const given = field.args.filter((arg) => arg.name in chosen);
        const declarations = inline ? [] : given.map((arg) => `$${arg.name}: ${typeText(arg.type)}`);
        const argumentText = given.map((arg) => `${arg.name}: ${inline ? literal(chosen[arg.name] ?? null) : `$${arg.name}`}`).join(', ');
        const inner = `${field.name}${argumentText ? `(${argumentText})` : ''}${selection ? ` { ${selection} }` : ''}`;
        const place = reach(parent, t, inner);
        const allDeclarations = [...(parent === schema.getQueryType()?.name ? [] : ['$parent: ID!']), ...declarations];
        const query = place.query(allDeclarations.length > 0 ? `(${allDeclarations.join(', ')})` : '');
        const variables = { ...place.variables, ...(inline ? {} : chosen) };
        const answer = await post(query, variables, token);
        expect(crashes(answer), describeExchange({ query, variables }, answer)).toEqual([]);
      }),
      { ...RUNS, numRuns: 40 },
    );
  }, 60_000);
});

describe('random documents built from the schema', () => {
  it('never crash, with or without a token', async () => {
    const t = await target();
    const tokens = [null, t.tenant.token, t.member.token, t.readToken, 'mas_not-a-real-token', `mat_${'0'.repeat(64)}`];
    await fc.assert(
      fc.asyncProperty(documentArb(valuesFor(t, 8), tokens), async (document) => {
        const answer = await post(document.query, document.variables, document.token);
        expect(crashes(answer), describeExchange(document, answer)).toEqual([]);
      }),
      { ...RUNS, numRuns: 400 },
    );
  }, 60_000);

  it('never crash on garbage requests: any body, any content type, any JSON', async () => {
    const t = await target();
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({ query: fc.oneof(fc.jsonValue(), shortString, longString), variables: fc.jsonValue(), operationName: fc.jsonValue(), extensions: fc.jsonValue() }, { requiredKeys: [] })
        .map((value) => JSON.stringify(value)),
      fc.constantFrom('{', '{"query":', '{"query": "{ viewer { user { id } } }", "variables": "x"}', '{"query": null}', '[]', '[{"query": "{ planPrices { plan } }"}]'),
    );
    const request = fc.record({
      method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.oneof(
        fc.constant('/graphql'),
        fc.tuple(shortString, shortString).map(([query, variables]) => `/graphql?query=${uriComponent(query)}&variables=${uriComponent(variables)}`),
        fc.constantFrom('/graphql?query=%7Bviewer%7Bscopes%7D%7D', '/graphql?query=mutation%7BlogOut%7D', '/health', '/nope', '/graphql/../health'),
      ),
      body,
      contentType: fc.constantFrom('application/json', 'application/graphql+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
      token: fc.constantFrom(null, t.readToken, t.tenant.token, 'garbage', ''),
    });
    await fc.assert(
      fc.asyncProperty(request, async (init) => {
        const answer = await exchange({ ...init, body: init.method === 'GET' || init.method === 'OPTIONS' ? undefined : init.body });
        expect(crashes(answer), describeExchange(init, answer)).toEqual([]);
      }),
      RUNS,
    );
  }, 60_000);
});

const mutations = Object.values(schema.getMutationType()?.getFields() ?? {}).filter((field) => field.args.some((arg) => arg.name === 'input'));

/** A valid input for each mutation, aimed at the target's objects; the guard below wants one for every mutation. */
const VALID_INPUTS: Record<string, (t: Target) => Record<string, Value>> = {
  signUp: () => ({
    organizationName: 'Fuzz',
    ownerAddress: `${unique('fuzz-owner')}@${MAIL_DOMAIN}`,
    ownerDisplayName: 'Fuzz Owner',
    password: 'a long passphrase',
    plan: 'ENTRY',
  }),
  logIn: (t) => ({ address: t.member.address, password: 'correct horse battery' }),
  createUser: () => ({
    address: `${unique('fuzz-user')}@${MAIL_DOMAIN}`,
    displayName: 'Fuzz User',
    password: 'a long passphrase',
    plan: 'ENTRY',
    kind: 'PERSON',
    role: 'MEMBER',
    listMembers: ['someone@example.org'],
  }),
  updateUser: (t) => ({ userId: t.member.id, displayName: 'Renamed', password: 'another passphrase', status: 'ACTIVE', role: 'MEMBER', listMembers: [] }),
  changePlan: (t) => ({ userId: t.member.id, plan: 'PRO' }),
  deleteUser: (t) => ({ userId: t.member.id }),
  addAlias: (t) => ({ userId: t.member.id, address: `${unique('fuzz-alias')}@${MAIL_DOMAIN}` }),
  removeAlias: (t) => ({ aliasId: t.objects.Alias }),
  addDomain: () => ({ name: `${unique('fuzz')}.example`.toLowerCase() }),
  verifyDomain: (t) => ({ domainId: t.objects.Domain }),
  removeDomain: (t) => ({ domainId: t.objects.Domain }),
  addDeposit: () => ({ amount: '25.00', idempotencyKey: unique('fuzz-key') }),
  setLowBalanceThreshold: () => ({ amount: '15.00' }),
  createApiToken: () => ({ name: 'fuzz', scopes: ['READ', 'WRITE'], expiresAt: '2999-01-01T00:00:00Z' }),
  revokeApiToken: (t) => ({ apiTokenId: t.objects.ApiToken }),
  createGroup: (t) => ({ name: unique('fuzz-group'), description: 'A group', memberIds: [t.member.id] }),
  updateGroup: (t) => ({ groupId: t.objects.Group, name: unique('fuzz-renamed'), description: 'Renamed' }),
  deleteGroup: (t) => ({ groupId: t.objects.Group }),
  addGroupMembers: (t) => ({ groupId: t.objects.Group, userIds: [t.member.id], role: 'MANAGER' }),
  removeGroupMembers: (t) => ({ groupId: t.objects.Group, userIds: [t.member.id] }),
  createResource: (t) => ({ kind: 'CALENDAR', name: 'Team calendar', ownerId: t.member.id }),
  deleteResource: (t) => ({ resourceId: t.objects.SharedResource }),
  shareResource: (t) => ({ resourceId: t.objects.SharedResource, groupId: t.objects.Group, permission: 'WRITE' }),
  unshareResource: (t) => ({ resourceId: t.objects.SharedResource, groupId: t.objects.Group }),
  revokeSessions: (t) => ({ userId: t.member.id, sessionIds: [t.objects.Session] }),
  transferOwnership: (t) => ({ newOwnerId: t.member.id, password: 'a long passphrase' }),
  completeLogIn: () => ({ challenge: 'aGVsbG8gY2hhbGxlbmdl', code: '123456' }),
  enrollSecondFactor: () => ({ password: 'a long passphrase' }),
  confirmSecondFactor: () => ({ code: '123456' }),
  disableSecondFactor: (t) => ({ userId: t.member.id, password: 'a long passphrase' }),
  setSecondFactorPolicy: () => ({ requiredFor: 'ADMINS' }),
};

describe('poisoned and random inputs for each mutation', () => {
  it('has a valid input for every mutation of the schema but logOut, which takes no input', () => {
    const all = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(all.filter((name) => !mutations.some((field) => field.name === name))).toEqual(['logOut']);
    expect(Object.keys(VALID_INPUTS).sort()).toEqual(mutations.map((field) => field.name).sort());
  });

  it.each(mutations.map((field) => [field.name, field] as const))('%s answers a typed result or a typed error', async (name, field) => {
    const t = await target();
    const input = field.args.find((arg) => arg.name === 'input');
    const valid = VALID_INPUTS[name];
    if (!input || !valid) throw new Error(`${name} has no input or no valid input`);
    const resultType = getNamedType(field.type);
    const values = valuesFor(t, 2);
    const places = leaves(input.type, [], 'input').filter((leaf) => leaf.path.length > 0);
    const inputs = fc.oneof(
      { weight: 4, arbitrary: poisonedArb(valid(t), places, values) },
      { weight: 1, arbitrary: valueArb(input.type, values, 'input').map((value) => JSON.parse(JSON.stringify(value)) as Value) },
    );
    const document = `mutation ($input: ${typeText(input.type)}) { ${name}(input: $input) { __typename ... on Error { code message } } }`;
    await fc.assert(
      fc.asyncProperty(inputs, fc.constantFrom(t.tenant.token, t.tenant.token, t.member.token, null), async (value, token) => {
        const variables = { input: value };
        const answer = await post(document, variables, token);
        const label = describeExchange({ name, variables, token: token === null ? 'none' : 'a session' }, answer);
        expect(crashes(answer), label).toEqual([]);
        const payload = answer.json?.data?.[name];
        if (payload) {
          // A member of the result union: its Success type or an error implementing Error.
          const member = schema.getType(text(payload.__typename));
          expect(isObjectType(member) && isUnionType(resultType) && resultType.getTypes().includes(member), label).toBe(true);
          if (String(payload.__typename).endsWith('Error')) expect(EXPECTED_CODES.has(String(payload.code)), label).toBe(true);
        } else {
          expect(answer.json?.errors?.length, label).toBeGreaterThan(0);
        }
      }),
      { ...RUNS, numRuns: 30 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// A deterministic sweep: every scalar place of every valid call, with each odd value of its type
// ---------------------------------------------------------------------------------------------

const ODD_VALUES: Record<string, Value[]> = {
  String: ['a\u0000b', 'a\ud800b', 'x'.repeat(10_000), '\u202eevil', '😀', ' ', ''],
  ID: ['a\u0000b', base64('User:'), base64('User:\u0000'), base64(`User:${'f'.repeat(36)}`), 'x'.repeat(5_000)],
  DateTime: ['0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999Z', '-000001-01-01T00:00:00Z'],
  Decimal: ['99999999999999999999.99', '-1.00', '0.001', '92233720368547758.08'],
  Int: [0, -1, 2_147_483_647, -2_147_483_648, 101],
};

/** Real cursors of a list with one keyset value swapped for an impossible date, a NUL or an unsafe number. */
function oddCursors(t: Target, list: string): Value[] {
  const [first] = t.cursors[list] ?? [];
  if (!first) return [];
  const values = JSON.parse(Buffer.from(first, 'base64url').toString('utf8')) as unknown[];
  return values.flatMap((_, at) =>
    ['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', 'x\u0000', Number.MAX_SAFE_INTEGER + 2].map((odd) => {
      const copy = [...values];
      copy[at] = odd;
      return base64(JSON.stringify(copy), true);
    }),
  );
}

function oddValuesOf(leaf: Leaf, t: Target, list: string): Value[] {
  const named = getNamedType(leaf.type);
  if (isListType(isNonNullType(leaf.type) ? leaf.type.ofType : leaf.type) || !isScalarType(named)) return [];
  if (leaf.name === 'after' || leaf.name === 'before') return oddCursors(t, list);
  return ODD_VALUES[named.name] ?? [];
}

function placeName(path: Path): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('').slice(1);
}

describe('every scalar place with each odd value of its type', () => {
  let shared: Promise<Target> | undefined;
  const sweep = () => (shared ??= target());

  it('never crashes a mutation', async () => {
    const t = await sweep();
    const crashed: string[] = [];
    for (const field of mutations) {
      const input = field.args.find((arg) => arg.name === 'input');
      const valid = VALID_INPUTS[field.name];
      if (!input || !valid) throw new Error(`${field.name} has no input or no valid input`);
      const document = `mutation ($input: ${typeText(input.type)}) { ${field.name}(input: $input) { __typename ... on Error { code message } } }`;
      for (const leaf of leaves(input.type, [], 'input').filter((candidate) => candidate.path.length > 0)) {
        for (const odd of oddValuesOf(leaf, t, '')) {
          const value = structuredClone(valid(t));
          setAt(value, leaf.path, odd);
          const answer = await post(document, { input: value }, field.name === 'logIn' || field.name === 'signUp' ? null : t.tenant.token);
          const found = crashes(answer);
          if (found.length > 0) crashed.push(`${field.name} ${placeName(leaf.path)} = ${JSON.stringify(odd).slice(0, 40)}: ${found.join('; ')}`);
        }
      }
    }
    expect(crashed).toEqual([]);
  }, 60_000);

  it('never crashes a field with arguments', async () => {
    const t = await sweep();
    const crashed: string[] = [];
    for (const { key, parent, field } of argumentFields) {
      const valid = VALID_ARGUMENTS[key];
      if (!valid) throw new Error(`no valid arguments for ${key}`);
      const selection = smallSelection(getNamedType(field.type), 2);
      for (const leaf of field.args.flatMap((arg) => leaves(arg.type, [arg.name], arg.name))) {
        for (const odd of oddValuesOf(leaf, t, key)) {
          const args = structuredClone(valid(t));
          setAt(args, leaf.path, odd);
          // A cursor goes with the page size of its direction.
          if (leaf.name === 'before') {
            delete args.first;
            args.last = 10;
          }
          const given = field.args.filter((arg) => arg.name in args);
          const inner = `${field.name}(${given.map((arg) => `${arg.name}: $${arg.name}`).join(', ')}) { ${selection} }`;
          const place = reach(parent, t, inner);
          const declarations = [...(parent === schema.getQueryType()?.name ? [] : ['$parent: ID!']), ...given.map((arg) => `$${arg.name}: ${typeText(arg.type)}`)];
          const answer = await post(place.query(`(${declarations.join(', ')})`), { ...place.variables, ...args }, t.tenant.token);
          const found = crashes(answer);
          if (found.length > 0) crashed.push(`${key} ${placeName(leaf.path)} = ${JSON.stringify(odd).slice(0, 60)}: ${found.join('; ')}`);
        }
      }
    }
    expect(crashed).toEqual([]);
  }, 60_000);

  it('never crashes on malformed GET parameters', async () => {
    const crashed: string[] = [];
    for (const params of ['variables=x', 'variables=%0A', 'extensions=x', 'variables=%7B']) {
      const answer = await exchange({ method: 'GET', path: `/graphql?query=%7B__typename%7D&${params}`, contentType: 'application/json' });
      const found = crashes(answer);
      if (found.length > 0) crashed.push(`GET ${params}: ${found.join('; ')}`);
    }
    expect(crashed).toEqual([]);
  });
});
