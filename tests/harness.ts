import { afterAll } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openDatabase, type Database } from '../server/db/client.js';
import type { OneWriteForm } from '../server/db/pipeline.js';
import type { Events } from '../server/pubsub.js';
import { buildYoga } from '../server/yoga.js';

/**
 * A JSON response read loosely: any property path can be walked, and `expect` makes the checks.
 * (tests/tsconfig.json turns off noUncheckedIndexedAccess so such paths read naturally.)
 */
export interface Loose {
  readonly [key: string]: Loose;
}

/** A loose value that must be an array. */
export function items(value: Loose): Loose[] {
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)}`);
  return value as Loose[];
}

/** A loose value that must be a string. */
export function text(value: Loose): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export interface GraphQLResponse {
  data: Loose;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

/** The database id inside a global ID, for tests that reach past the API (SQL, the billing job). */
export function decodeId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/** The type name inside a global ID. */
export function typeOfId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.slice(0, decoded.indexOf(':'));
}

/** The global ID the API gives a row of `typename`, for ids made up by a test. */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64');
}

/** The rows of `db.execute`, whose result type depends on the driver underneath. */
export function rowsOf<Row>(result: unknown): Row[] {
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new Error(`expected rows, got ${JSON.stringify(result)}`);
  return rows as Row[];
}

let seq = 0;
/** A name no other test, file or run will use, so tenants never collide on a shared database. */
export function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

export const MAIL_DOMAIN = 'mailadmin.test';
export const PASSWORD = 'correct horse battery';

export interface TestApp {
  database: Database;
  /** The Yoga server `fetch` calls, for tests that put it behind a real HTTP server. */
  yoga: ReturnType<typeof buildYoga>;
  /** Every SQL statement the application ran, in order; tests clear it and count. */
  statements: string[];
  /** PostgreSQL: how many writes carried those statements to the database (several may share one). */
  writes: { count: number };
  /** PostgreSQL: how each one-write transaction (a deposit, an alias) went out, in order; tests clear it. */
  oneWrites: OneWriteForm[];
  gql(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Signs up a fresh master account; returns its session token and owner. Unless `deposit` says
   * otherwise (null: none), it also deposits 10,000.00 EUR so paid accounts can be created.
   */
  signUp(options?: { plan?: 'FREE' | 'ENTRY' | 'PRO'; deposit?: string | null }): Promise<Tenant>;
  /** Creates a user in a tenant and returns its id and address. */
  createUser(tenant: Tenant, options?: { role?: 'ADMIN' | 'MEMBER'; plan?: string; displayName?: string }): Promise<{ id: string; address: string }>;
  /** Logs a user in and returns the session token. */
  logIn(address: string, password?: string): Promise<string>;
}

export interface Tenant {
  token: string;
  ownerId: string;
  ownerAddress: string;
  masterAccountId: string;
}

/**
 * The application as production builds it (yoga over a real database), called through
 * `yoga.fetch` with no port. PostgreSQL when DATABASE_URL is set, else an in-memory PGlite.
 */
export async function startApp(options: { dnsServers?: string[]; tokenCache?: boolean; events?: Events } = {}): Promise<TestApp> {
  const statements: string[] = [];
  const writes = { count: 0 };
  const oneWrites: OneWriteForm[] = [];
  const databaseUrl = process.env.DATABASE_URL;
  const database = await openDatabase({
    databaseUrl,
    dataDir: 'memory://',
    migrate: !databaseUrl,
    onQuery: (query) => statements.push(query),
    onWrite: () => writes.count++,
    onOneWrite: (form) => oneWrites.push(form),
  });
  const config = {
    ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }),
    mailDomain: MAIL_DOMAIN,
    dnsServers: options.dnsServers ?? [],
    tokenCache: options.tokenCache ?? true,
  };
  const yoga = buildYoga({ database, config, events: options.events });
  afterAll(async () => {
    await yoga.dispose();
    await database.close();
  });

  const fetch = (path: string, init?: RequestInit) => Promise.resolve(yoga.fetch(`http://yoga${path}`, init ?? {}));

  async function gql(query: string, variables?: Record<string, unknown>, token?: string | null) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Loose | null; errors?: GraphQLResponse['errors'] };
    // `data` is null when a request fails as a whole; an empty object keeps paths walkable.
    return { data: body.data ?? {}, ...(body.errors ? { errors: body.errors } : {}) };
  }

  async function signUp(options: { plan?: 'FREE' | 'ENTRY' | 'PRO'; deposit?: string | null } = {}): Promise<Tenant> {
    const ownerAddress = `${unique('owner')}@${MAIL_DOMAIN}`;
    const result = await gql(
      `mutation ($input: SignUpInput!) { signUp(input: $input) {
        __typename
        ... on SignUpSuccess { token viewer { user { id } masterAccount { id } } }
        ... on Error { code message }
      } }`,
      {
        input: {
          organizationName: unique('org'),
          ownerAddress,
          ownerDisplayName: 'Owner',
          password: PASSWORD,
          plan: options.plan ?? 'ENTRY',
        },
      },
    );
    const payload = result.data.signUp;
    if (String(payload?.__typename) !== 'SignUpSuccess') throw new Error(`signUp failed: ${JSON.stringify(result)}`);
    const tenant = {
      token: text(payload.token),
      ownerId: text(payload.viewer.user.id),
      ownerAddress,
      masterAccountId: text(payload.viewer.masterAccount.id),
    };
    const deposit = options.deposit === undefined ? '10000.00' : options.deposit;
    if (deposit !== null && options.plan !== 'FREE') {
      const added = await gql(
        `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename } }`,
        { input: { amount: deposit, idempotencyKey: unique('harness-deposit') } },
        tenant.token,
      );
      if (String(added.data.addDeposit?.__typename) !== 'AddDepositSuccess') {
        throw new Error(`addDeposit failed: ${JSON.stringify(added)}`);
      }
    }
    return tenant;
  }

  async function createUser(tenant: Tenant, options: { role?: 'ADMIN' | 'MEMBER'; plan?: string; displayName?: string } = {}) {
    const address = `${unique('user')}@${MAIL_DOMAIN}`;
    const result = await gql(
      `mutation ($input: CreateUserInput!) { createUser(input: $input) {
        __typename
        ... on CreateUserSuccess { user { id address } }
        ... on Error { code message }
      } }`,
      {
        input: {
          address,
          displayName: options.displayName ?? 'A User',
          password: PASSWORD,
          plan: options.plan ?? 'ENTRY',
          role: options.role ?? 'MEMBER',
        },
      },
      tenant.token,
    );
    const payload = result.data.createUser;
    if (String(payload?.__typename) !== 'CreateUserSuccess') throw new Error(`createUser failed: ${JSON.stringify(result)}`);
    return { id: text(payload.user.id), address: text(payload.user.address) };
  }

  async function logIn(address: string, password = PASSWORD): Promise<string> {
    const result = await gql(
      `mutation ($input: LogInInput!) { logIn(input: $input) { __typename ... on LogInSuccess { token } ... on Error { code } } }`,
      { input: { address, password } },
    );
    const payload = result.data.logIn;
    if (String(payload?.__typename) !== 'LogInSuccess') throw new Error(`logIn failed: ${JSON.stringify(result)}`);
    return text(payload.token);
  }

  return { database, yoga, statements, writes, oneWrites, gql, fetch, signUp, createUser, logIn };
}
