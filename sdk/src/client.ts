import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { ForbiddenError, type MailadminError, NetworkError, ServerError, UnauthenticatedError } from './errors.js';
import {
  AddAliasDocument,
  AddDepositDocument,
  AddDomainDocument,
  AuditLogDocument,
  ChangePlanDocument,
  CreateApiTokenDocument,
  CreateUserDocument,
  DeleteUserDocument,
  DomainsDocument,
  LedgerDocument,
  LedgerEntryAddedDocument,
  LogInDocument,
  LogOutDocument,
  LowBalanceDocument,
  NodeDocument,
  PlanPricesDocument,
  RemoveAliasDocument,
  RemoveDomainDocument,
  RevokeApiTokenDocument,
  SetLowBalanceThresholdDocument,
  SignUpDocument,
  UpdateUserDocument,
  UsersDocument,
  VerifyDomainDocument,
  ViewerDocument,
  type AddDepositMutation,
  type AddDepositInput,
  type AuditLogQueryVariables,
  type DomainsQueryVariables,
  type LedgerQueryVariables,
  type UsersQueryVariables,
} from './generated/graphql.js';
import { readEvents } from './sse.js';

/** A typed GraphQL document: one from this SDK, or one written with the generated `graphql()`. */
export type Document<Result, Variables> = DocumentTypeDecoration<Result, Variables> & { toString(): string };

/** `variables` is required exactly when the operation has a required variable. */
export type VariablesArgument<Variables> = Record<string, never> extends Variables
  ? [variables?: Variables]
  : [variables: Variables];

export interface RetryOptions {
  /** How many times a request that failed on the network is tried again (default 2). */
  attempts?: number;
  /** Milliseconds before the first retry, doubling each time (default 200). */
  delayMs?: number;
}

export interface ClientOptions {
  /** The GraphQL endpoint, such as "https://admin.example/graphql". */
  url: string;
  /** A session token (from signUp / logIn) or an API token (from createApiToken). */
  token?: string;
  /** A fetch implementation; the platform's by default. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Retries of network failures, for queries and for deposits (which carry an idempotency key). */
  retry?: RetryOptions;
}

interface GraphQLResponse<Result> {
  data?: Result | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

function operationNameOf(source: string): string | undefined {
  return /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(source)?.[1];
}

function errorFor(message: string, operationName: string | undefined, code: string | undefined, status?: number): MailadminError {
  if (code === 'UNAUTHENTICATED' || status === 401) return new UnauthenticatedError(message, operationName, code ?? 'UNAUTHENTICATED');
  if (code === 'FORBIDDEN' || code === 'UPGRADE_REQUIRED') return new ForbiddenError(message, operationName, code);
  return new ServerError(message, operationName, code, status);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A page of a connection, as the SDK's list methods return it. */
export interface Connection<Node> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  edges: { cursor: string; node: Node }[];
}

export function createClient(options: ClientOptions) {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const attempts = options.retry?.attempts ?? 2;
  const delayMs = options.retry?.delayMs ?? 200;

  function headers(accept: string): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept,
      // Names the SDK in the server's logs; browsers' cross-site forms cannot send such a header.
      'x-graphql-client-name': '@mailadmin/sdk',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
  }

  async function send<Result>(source: string, variables: unknown, retries: number): Promise<Result> {
    const operationName = operationNameOf(source);
    let response: Response;
    try {
      response = await fetchImpl(options.url, {
        method: 'POST',
        headers: headers('application/graphql-response+json, application/json'),
        body: JSON.stringify({ query: source, variables: variables ?? {}, operationName }),
      });
    } catch (error) {
      if (retries > 0) {
        await sleep(delayMs * 2 ** (attempts - retries));
        return send(source, variables, retries - 1);
      }
      throw new NetworkError(error instanceof Error ? error.message : String(error), operationName);
    }
    let body: GraphQLResponse<Result>;
    try {
      body = (await response.json()) as GraphQLResponse<Result>;
    } catch {
      throw errorFor(`the server answered ${response.status} without GraphQL`, operationName, undefined, response.status);
    }
    const [first] = body.errors ?? [];
    if (first) {
      const code = typeof first.extensions?.code === 'string' ? first.extensions.code : undefined;
      throw errorFor(first.message, operationName, code, response.status);
    }
    if (!body.data) throw errorFor(`the server answered ${response.status} with no data`, operationName, undefined, response.status);
    return body.data;
  }

  /** Runs any typed document: one of the SDK's, or your own written with `graphql()`. */
  function request<Result, Variables>(document: Document<Result, Variables>, ...[variables]: VariablesArgument<Variables>): Promise<Result> {
    const source = document.toString();
    // Queries are safe to repeat; mutations are not, unless they carry an idempotency key.
    const retries = /^\s*(?:query\b|\{)/.test(source) ? attempts : 0;
    return send<Result>(source, variables, retries);
  }

  const mutate =
    <Result, Input, Key extends keyof Result>(document: Document<Result, { input: Input }>, field: Key) =>
    async (input: Input): Promise<Result[Key]> =>
      (await request(document, ...([{ input }] as VariablesArgument<{ input: Input }>)))[field];

  function list<Result, Variables, Node>(
    document: Document<Result, Variables>,
    pick: (result: Result) => Connection<Node>,
  ) {
    return async (...[variables]: VariablesArgument<Variables>): Promise<Connection<Node>> =>
      pick(await request(document, ...([variables] as VariablesArgument<Variables>)));
  }

  /** Opens a subscription over Server-Sent Events; iterate it, and `return()` (or break) to close. */
  async function* subscribe<Result>(document: Document<Result, Record<string, never>>): AsyncGenerator<Result> {
    const source = document.toString();
    const operationName = operationNameOf(source);
    const controller = new AbortController();
    let response: Response;
    try {
      response = await fetchImpl(options.url, {
        method: 'POST',
        headers: headers('text/event-stream'),
        body: JSON.stringify({ query: source, variables: {}, operationName }),
        signal: controller.signal,
      });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error), operationName);
    }
    if (!response.ok || !response.body) {
      throw errorFor(`the server answered ${response.status} to a subscription`, operationName, undefined, response.status);
    }
    try {
      for await (const event of readEvents(response.body)) {
        if (event.event === 'complete') return;
        const payload = JSON.parse(event.data) as GraphQLResponse<Result>;
        const [first] = payload.errors ?? [];
        if (first) {
          throw errorFor(first.message, operationName, typeof first.extensions?.code === 'string' ? first.extensions.code : undefined);
        }
        if (payload.data) yield payload.data;
      }
    } finally {
      controller.abort();
    }
  }

  const client = {
    request,

    signUp: mutate(SignUpDocument, 'signUp'),
    logIn: mutate(LogInDocument, 'logIn'),
    logOut: async () => (await request(LogOutDocument)).logOut,
    createApiToken: mutate(CreateApiTokenDocument, 'createApiToken'),
    revokeApiToken: mutate(RevokeApiTokenDocument, 'revokeApiToken'),
    createUser: mutate(CreateUserDocument, 'createUser'),
    updateUser: mutate(UpdateUserDocument, 'updateUser'),
    changePlan: mutate(ChangePlanDocument, 'changePlan'),
    deleteUser: mutate(DeleteUserDocument, 'deleteUser'),
    addAlias: mutate(AddAliasDocument, 'addAlias'),
    removeAlias: mutate(RemoveAliasDocument, 'removeAlias'),
    addDomain: mutate(AddDomainDocument, 'addDomain'),
    verifyDomain: mutate(VerifyDomainDocument, 'verifyDomain'),
    removeDomain: mutate(RemoveDomainDocument, 'removeDomain'),
    setLowBalanceThreshold: mutate(SetLowBalanceThresholdDocument, 'setLowBalanceThreshold'),

    /**
     * Adds money to the deposit. Without an idempotency key one is generated; network failures
     * are retried with the same key, so a retried deposit is recorded once.
     */
    async addDeposit(input: Omit<AddDepositInput, 'idempotencyKey'> & { idempotencyKey?: string }) {
      const withKey: AddDepositInput = { ...input, idempotencyKey: input.idempotencyKey ?? globalThis.crypto.randomUUID() };
      const result = await send<AddDepositMutation>(AddDepositDocument.toString(), { input: withKey }, attempts);
      return result.addDeposit;
    },

    viewer: async () => (await request(ViewerDocument)).viewer,
    node: async (id: string) => (await request(NodeDocument, { id })).node,
    planPrices: async () => (await request(PlanPricesDocument)).planPrices,
    users: list(UsersDocument, (result) => requireAccount(result.viewer).users),
    domains: list(DomainsDocument, (result) => requireAccount(result.viewer).domains),
    ledger: list(LedgerDocument, (result) => requireAccount(result.viewer).ledger),
    auditLog: list(AuditLogDocument, (result) => requireAccount(result.viewer).auditLog),

    /** Every node of a list, page by page: `for await (const user of client.paginate(client.users, { first: 100 }))`. */
    async *paginate<Variables extends { first?: number | null; after?: string | null }, Node>(
      method: (variables?: Variables) => Promise<Connection<Node>>,
      variables?: Variables,
    ): AsyncGenerator<Node> {
      let after: string | null | undefined = variables?.after;
      for (;;) {
        const page = await method({ ...(variables as Variables), after });
        for (const edge of page.edges) yield edge.node;
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
        after = page.pageInfo.endCursor;
      }
    },

    subscribe: {
      ledgerEntryAdded: async function* () {
        for await (const result of subscribe(LedgerEntryAddedDocument)) yield result.ledgerEntryAdded;
      },
      lowBalance: async function* () {
        for await (const result of subscribe(LowBalanceDocument)) yield result.lowBalance;
      },
    },
  };
  return client;
}

function requireAccount<Account>(viewer: { masterAccount: Account } | null | undefined): Account {
  if (!viewer) throw new UnauthenticatedError('this list needs a token', undefined, 'UNAUTHENTICATED');
  return viewer.masterAccount;
}

export type MailadminClient = ReturnType<typeof createClient>;
export type { UsersQueryVariables, DomainsQueryVariables, LedgerQueryVariables, AuditLogQueryVariables };
