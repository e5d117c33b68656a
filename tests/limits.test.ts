import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { createClient } from '../sdk/src/index.js';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../server/db/pagination.js';
import {
  CSRF_HEADER,
  CSRF_HEADER_REQUIRED,
  MAX_ALIASES,
  MAX_COST,
  MAX_DEPTH,
  MAX_DIRECTIVES,
  MAX_TOKENS,
  QUERY_TOO_COMPLEX,
  TOO_MANY_LOG_INS,
} from '../server/limits.js';
import { schema } from '../server/schema/index.js';
import { buildYoga } from '../server/yoga.js';
import { MAIL_DOMAIN, PASSWORD, items, startApp, type GraphQLResponse } from './harness.js';

// Without the token cache every request looks its token up, so a refused request's zero
// statements show that not even its context was made.
const app = await startApp({ tokenCache: false });
const tenant = await app.signUp();

/** Runs a document with the tenant's token and counts the SQL statements the request ran. */
async function run(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse & { statements: number }> {
  app.statements.length = 0;
  const result = await app.gql(query, variables, tenant.token);
  return { ...result, statements: app.statements.length };
}

/**
 * Accepted: answered without errors, after the token was looked up. Refused: one error with the
 * limit's code, and not a single SQL statement, so neither the context (which looks the token up)
 * nor any resolver ran.
 */
async function expectAccepted(query: string, variables?: Record<string, unknown>) {
  const result = await run(query, variables);
  expect(result.errors).toBeUndefined();
  expect(result.statements).toBeGreaterThan(0);
}

async function expectRefused(query: string, limit: string, max: number, variables?: Record<string, unknown>) {
  const result = await run(query, variables);
  expect(result.errors).toHaveLength(1);
  expect(result.errors?.[0].extensions).toMatchObject({ code: QUERY_TOO_COMPLEX, limit, max });
  expect(result.errors?.[0].message).toMatch(new RegExp(`limit of ${max} exceeded`, 'i'));
  expect(result.statements).toBe(0);
}

/** viewer → masterAccount → owner → masterAccount → … → id: exactly `depth` levels of fields. */
function nested(depth: number): string {
  const fields = ['viewer', 'masterAccount'];
  while (fields.length < depth - 1) fields.push(fields.length % 2 === 0 ? 'owner' : 'masterAccount');
  return `{ ${fields.map((field) => `${field} {`).join(' ')} id ${'}'.repeat(fields.length)} }`;
}

/** `count` aliased fields. */
function aliased(count: number): string {
  return `{ viewer { scopes ${Array.from({ length: count }, (_, i) => `a${i}: scopes`).join(' ')} } }`;
}

/** `count` directives. */
function directed(count: number): string {
  return `{ viewer { ${Array.from({ length: count }, () => 'scopes @include(if: true)').join(' ')} } }`;
}

/** Exactly `count` tokens: sixteen around the list of ids, one per id (each is refused as unknown). */
function tokens(count: number): string {
  return `{ viewer { scopes } nodes(ids: [${Array.from({ length: count - 16 }, () => '"x"').join(' ')}]) { id } }`;
}

/**
 * Exactly `cost` under the cost model of server/limits.ts: viewer and masterAccount are objects (2
 * each), a page of `size` users costs `size` × (2 + one per scalar), each top-level __typename 1,
 * and `extra`, another selection of the master account, what it says.
 */
function costing(cost: number, pageSize: string = String(MAX_PAGE_SIZE), extra = { selection: '', cost: 0 }): string {
  const budget = cost - 4 - extra.cost;
  const perUser = Math.floor(budget / MAX_PAGE_SIZE);
  const scalars = Array.from({ length: perUser - 2 }, () => 'totalCount').join(' ');
  const typenames = Array.from({ length: budget - perUser * MAX_PAGE_SIZE }, () => '__typename').join(' ');
  return `{ ${typenames} viewer { masterAccount { users(first: ${pageSize}) { ${scalars} } ${extra.selection} } } }`;
}

describe('limits on documents, each accepted at its limit and refused one past it before anything runs', () => {
  it('depth', async () => {
    await expectAccepted(nested(MAX_DEPTH));
    await expectRefused(nested(MAX_DEPTH + 1), 'depth', MAX_DEPTH);
  });

  it('aliases', async () => {
    await expectAccepted(aliased(MAX_ALIASES));
    await expectRefused(aliased(MAX_ALIASES + 1), 'aliases', MAX_ALIASES);
  });

  it('directives', async () => {
    await expectAccepted(directed(MAX_DIRECTIVES));
    await expectRefused(directed(MAX_DIRECTIVES + 1), 'directives', MAX_DIRECTIVES);
  });

  it('tokens, counted while parsing', async () => {
    await expectAccepted(tokens(MAX_TOKENS));
    await expectRefused(tokens(MAX_TOKENS + 1), 'tokens', MAX_TOKENS);
  });

  it('cost', async () => {
    await expectAccepted(costing(MAX_COST));
    await expectRefused(costing(MAX_COST + 1), 'cost', MAX_COST);
  });

  it('cost counts a page size given as a variable as the largest page, whatever its value', async () => {
    await expectRefused(`query ($size: Int) ${costing(MAX_COST + 1, '$size')}`, 'cost', MAX_COST, { size: 1 });
    await expectAccepted(`query ($size: Int) ${costing(MAX_COST, '$size')}`, { size: 1 });
  });

  it('cost counts a connection without a page size as the default page', async () => {
    const domains = { selection: 'domains { totalCount }', cost: DEFAULT_PAGE_SIZE * (2 + 1) };
    await expectAccepted(costing(MAX_COST, undefined, domains));
    await expectRefused(costing(MAX_COST + 1, undefined, domains), 'cost', MAX_COST);
  });

  it('introspection is free of depth and cost, and open without a token', async () => {
    const result = await app.gql(
      `{ __schema { queryType { name } types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }`,
      {},
      null,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema.queryType.name).toBe('Query');
    expect(items(result.data.__schema.types).length).toBeGreaterThan(20);
  });
});

describe('one logIn per operation', () => {
  const logIn = (alias: string) =>
    `${alias}logIn(input: { address: "${tenant.ownerAddress}", password: "${PASSWORD}" }) { __typename }`;

  it('accepts one', async () => {
    const result = await run(`mutation { ${logIn('')} }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.logIn.__typename).toBe('LogInSuccess');
  });

  it.each([
    ['two, aliased', `mutation { a: ${logIn('')} b: ${logIn('')} }`],
    ['two, one aliased', `mutation { ${logIn('')} other: ${logIn('')} }`],
    ['two through fragments', `mutation { ...One ... on Mutation { ${logIn('other: ')} } } fragment One on Mutation { ${logIn('')} }`],
  ])('refuses %s before running either', async (_name, query) => {
    const result = await run(query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0].extensions).toMatchObject({ code: TOO_MANY_LOG_INS, max: 1 });
    expect(result.errors?.[0].message).toContain('log in once');
    expect(result.statements).toBe(0);
  });
});

describe('page sizes of every connection in the schema', () => {
  /** A connection: a field with Relay's page arguments. */
  const isConnection = (field: GraphQLField<unknown, unknown>) => ['first', 'after', 'last', 'before'].every((name) => field.args.some((arg) => arg.name === name));

  /**
   * A selection reaching each object type from Query through fields without required arguments,
   * walking into connections through their first node: the shortest such path per type.
   */
  function pathsToTypes(): Map<string, (inner: string) => string> {
    const paths = new Map<string, (inner: string) => string>();
    const queue: [GraphQLObjectType, (inner: string) => string][] = [[schema.getQueryType() as GraphQLObjectType, (inner) => `{ ${inner} }`]];
    while (queue.length > 0) {
      const [type, wrap] = queue.shift() as [GraphQLObjectType, (inner: string) => string];
      if (paths.has(type.name)) continue;
      paths.set(type.name, wrap);
      for (const field of Object.values(type.getFields())) {
        if (field.args.some((arg) => arg.type.toString().endsWith('!')) || field.name.startsWith('__')) continue;
        const target = getNamedType(field.type);
        if (!isObjectType(target) || paths.has(target.name)) continue;
        if (isConnection(field)) {
          const node = getNamedType(getNullableType(target.getFields().edges?.type));
          const nodeType = isObjectType(node) ? node.getFields().node?.type : undefined;
          const nodeObject = nodeType && getNamedType(nodeType);
          if (isObjectType(nodeObject)) {
            queue.push([nodeObject, (inner) => wrap(`${field.name}(first: 1) { edges { node { ${inner} } } }`)]);
          }
        } else if (!isListType(getNullableType(field.type))) {
          queue.push([target, (inner) => wrap(`${field.name} { ${inner} }`)]);
        }
      }
    }
    return paths;
  }

  const connections = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .flatMap((type) => Object.values(type.getFields()).filter(isConnection).map((field) => ({ type: type.name, field: field.name })));

  it('finds every connection, including those the API contract names, and a way to reach each', () => {
    const names = connections.map((c) => `${c.type}.${c.field}`);
    expect(names).toEqual(
      expect.arrayContaining(
        ['users', 'domains', 'groups', 'resources', 'apiTokens', 'auditLog', 'ledger'].map((f) => `MasterAccount.${f}`).concat('Group.members'),
      ),
    );
    const paths = pathsToTypes();
    expect(connections.filter((c) => !paths.has(c.type)).map((c) => c.type)).toEqual([]);
  });

  it('accepts 1 to 100 items and refuses 0, 101 and negative sizes with a VALIDATION error', async () => {
    // A group, so that Group's connections are reached (through its master account's groups).
    const created = await app.gql(
      `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { __typename } }`,
      { input: { name: 'Page sizes', memberIds: [tenant.ownerId] } },
      tenant.token,
    );
    expect(created.data.createGroup.__typename).toBe('CreateGroupSuccess');
    const paths = pathsToTypes();
    for (const { type, field } of connections) {
      const wrap = paths.get(type) as (inner: string) => string;
      for (const argument of ['first', 'last']) {
        for (const size of [1, MAX_PAGE_SIZE]) {
          const result = await app.gql(wrap(`${field}(${argument}: ${size}) { totalCount }`), {}, tenant.token);
          expect(result.errors, `${type}.${field}(${argument}: ${size})`).toBeUndefined();
        }
        for (const size of [0, MAX_PAGE_SIZE + 1, -1]) {
          const result = await app.gql(wrap(`${field}(${argument}: ${size}) { totalCount }`), {}, tenant.token);
          expect(result.errors, `${type}.${field}(${argument}: ${size})`).toHaveLength(1);
          expect(result.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION', field: argument });
          expect(result.errors?.[0].path?.at(-1)).toBe(field);
        }
      }
    }
  });
});

describe('requests', () => {
  it('a JSON array (a batch) is refused', async () => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors?.[0].message).toMatch(/batch/i);
  });

  it('an unexpected failure is masked', async () => {
    // A database closed before use fails every statement with the driver's own message.
    const broken = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', migrate: false });
    await broken.close();
    const yoga = buildYoga({ database: broken, config: { ...loadConfig({}), mailDomain: MAIL_DOMAIN } });
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: LogInInput!) { logIn(input: $input) { __typename } }`,
        variables: { input: { address: tenant.ownerAddress, password: PASSWORD } },
      }),
    });
    const body = (await response.json()) as GraphQLResponse;
    await yoga.dispose();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0].message).toBe('Unexpected error.');
    expect(JSON.stringify(body)).not.toMatch(/pool|closed|PGlite|stack/i);
  });
});

describe('field suggestions', () => {
  const TYPO = '{ viewer { scoeps } }';

  it('are given in development', async () => {
    const result = await app.gql(TYPO, {}, tenant.token);
    expect(result.errors?.[0].message).toContain('Did you mean');
  });

  it('are not given in production', async () => {
    const production = buildYoga({ database: app.database, config: { ...loadConfig({ NODE_ENV: 'production' }), mailDomain: MAIL_DOMAIN } });
    const response = await production.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: TYPO }),
    });
    const body = (await response.json()) as GraphQLResponse;
    await production.dispose();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0].message).toBe('Cannot query field "scoeps" on type "Viewer".');
  });
});

describe('CSRF prevention', () => {
  const QUERY = '{ viewer { scopes } }';
  // A fresh object each time: a request made with a FormData body writes its content type into it.
  const auth = () => ({ authorization: `Bearer ${tenant.token}` });

  async function status(path: string, init: RequestInit): Promise<{ status: number; body: GraphQLResponse }> {
    const response = await app.fetch(path, init);
    return { status: response.status, body: (await response.json()) as GraphQLResponse };
  }

  it.each([
    ['a GET query', () => status(`/graphql?query=${encodeURIComponent(QUERY)}`, { headers: auth() })],
    [
      'a form POST',
      () =>
        status('/graphql', {
          method: 'POST',
          headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query: QUERY }).toString(),
        }),
    ],
    [
      'a multipart form POST',
      () => {
        const form = new FormData();
        form.set('operations', JSON.stringify({ query: QUERY }));
        form.set('map', '{}');
        return status('/graphql', { method: 'POST', headers: auth(), body: form });
      },
    ],
  ])('refuses %s without the header, before anything runs', async (_name, send) => {
    app.statements.length = 0;
    const refused = await send();
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0].message).toContain(CSRF_HEADER);
    expect(refused.body.errors?.[0].extensions).toEqual({ code: CSRF_HEADER_REQUIRED });
    expect(app.statements).toHaveLength(0);
  });

  it.each([
    ['a GET query', `/graphql?query=${encodeURIComponent(QUERY)}`, {}],
    ['a form POST', '/graphql', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: QUERY }).toString() }],
  ])('accepts %s with the header', async (_name, path, init: RequestInit) => {
    const accepted = await status(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...auth(), [CSRF_HEADER]: '1' } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.errors).toBeUndefined();
    expect(items(accepted.body.data.viewer.scopes)).toContain('READ');
  });

  it('accepts JSON without the header: browsers preflight it', async () => {
    const result = await app.gql(QUERY, {}, tenant.token);
    expect(result.errors).toBeUndefined();
  });

  it('GraphiQL sends the header', async () => {
    const response = await app.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(CSRF_HEADER);
  });

  it('the SDK sends the header', async () => {
    const seen: Headers[] = [];
    const client = createClient({
      url: 'http://yoga/graphql',
      token: tenant.token,
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        return app.fetch(new URL(String(input)).pathname, init);
      },
    });
    const viewer = await client.viewer();
    expect(viewer?.user.address).toBe(tenant.ownerAddress);
    expect(seen[0].has(CSRF_HEADER)).toBe(true);
  });
});
