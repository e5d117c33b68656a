import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import {
  ForbiddenError,
  type MailadminError,
  NetworkError,
  NotFoundError,
  SecondFactorRequiredError,
  ServerError,
  UnauthenticatedError,
} from './errors.js';
import {
  AddAliasDocument,
  AddGroupMembersDocument,
  AddDepositDocument,
  AddDomainDocument,
  AuditLogDocument,
  ChangePlanDocument,
  CompleteLogInDocument,
  ConfirmSecondFactorDocument,
  CreateApiTokenDocument,
  CreateGroupDocument,
  CreateResourceDocument,
  CreateUserDocument,
  DeleteGroupDocument,
  DeleteResourceDocument,
  DeleteUserDocument,
  DisableSecondFactorDocument,
  DomainsDocument,
  EnrollSecondFactorDocument,
  GroupMembersDocument,
  GroupsDocument,
  LedgerDocument,
  LedgerEntryAddedDocument,
  LogInDocument,
  LogOutDocument,
  LowBalanceDocument,
  NodeDocument,
  PlanPricesDocument,
  RemoveAliasDocument,
  RemoveDomainDocument,
  RemoveGroupMembersDocument,
  ResourcesDocument,
  RevokeApiTokenDocument,
  RevokeSessionsDocument,
  TransferOwnershipDocument,
  UserSessionsDocument,
  SetLowBalanceThresholdDocument,
  SetSecondFactorPolicyDocument,
  ShareResourceDocument,
  SignUpDocument,
  UnshareResourceDocument,
  UpdateGroupDocument,
  UpdateUserDocument,
  UserAccessDocument,
  UsersDocument,
  VerifyDomainDocument,
  ViewerDocument,
  type AddDepositMutation,
  type AddDepositInput,
  type AuditLogQueryVariables,
  type DomainsQueryVariables,
  type GroupMembersQueryVariables,
  type GroupsQueryVariables,
  type LedgerQueryVariables,
  type ResourcesQueryVariables,
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
  if (code === 'SECOND_FACTOR_REQUIRED') return new SecondFactorRequiredError(message, operationName, code);
  if (code === 'FORBIDDEN' || code === 'UPGRADE_REQUIRED') return new ForbiddenError(message, operationName, code);
  return new ServerError(message, operationName, code, status);
}

function codeOf(error: { extensions?: { code?: unknown } }): string | undefined {
  return typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A live subscription: iterate it with `for await`; `return()` (or `break`) closes it at once. */
export interface Subscription<Value> extends AsyncIterableIterator<Value, undefined, undefined> {
  [Symbol.asyncIterator](): Subscription<Value>;
  return(): Promise<IteratorReturnResult<undefined>>;
}

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
      // The server's CSRF check wants it on requests a browser would not preflight; sent always, so
      // a request never depends on its content type to pass.
      'graphql-require-preflight': '1',
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
      throw errorFor(first.message, operationName, codeOf(first), response.status);
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

  /**
   * A subscription over Server-Sent Events. The stream opens on the first `next()`; `return()` (or
   * `break`) closes it at once, even while a `next()` is still waiting for an event.
   */
  function subscribe<Result, Value>(document: Document<Result, Record<string, never>>, pick: (result: Result) => Value): Subscription<Value> {
    const source = document.toString();
    const operationName = operationNameOf(source);
    const controller = new AbortController();
    let closed = false;
    let waiting = false;

    async function* values(): AsyncGenerator<Value, undefined, undefined> {
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
      const refused = `the server answered ${response.status} to a subscription`;
      if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
        // Not a stream: a GraphQL error in JSON, or no GraphQL at all.
        const body = (await response.json().catch(() => undefined)) as GraphQLResponse<Result> | undefined;
        const [first] = body?.errors ?? [];
        throw errorFor(first?.message ?? `${refused} without an event stream`, operationName, first && codeOf(first), response.status);
      }
      try {
        // A refused subscription (no token, a revoked one...) still streams its error as an event.
        for await (const event of readEvents(response.body)) {
          if (event.event === 'complete') break;
          const payload = JSON.parse(event.data) as GraphQLResponse<Result>;
          const [first] = payload.errors ?? [];
          if (first) throw errorFor(first.message, operationName, codeOf(first), response.status);
          if (payload.data) yield pick(payload.data);
        }
        if (!response.ok) throw errorFor(refused, operationName, undefined, response.status);
      } finally {
        controller.abort();
      }
      return undefined;
    }

    const iterator = values();
    const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const subscription: Subscription<Value> = {
      [Symbol.asyncIterator]: () => subscription,
      async next() {
        if (closed) return finished;
        waiting = true;
        try {
          const result = await iterator.next();
          if (result.done) closed = true;
          return result;
        } catch (error) {
          // Closed while waiting: the aborted read is how the stream ends, not a failure.
          if (closed) return finished;
          closed = true;
          throw error;
        } finally {
          waiting = false;
        }
      },
      async return() {
        if (closed) return finished;
        closed = true;
        // A waiting next() holds the generator: abort its read, and that next() ends with done.
        // Otherwise finish the generator, which releases the body and aborts the request.
        if (waiting) controller.abort();
        else await iterator.return(undefined);
        return finished;
      },
    };
    return subscription;
  }

  type PageVariables = { first?: number | null; after?: string | null };
  /**
   * Every node of a list, page by page: `for await (const user of client.paginate(client.users, { first: 100 }))`.
   * Lists that need variables (a group's members) need them here too.
   */
  function paginate<Variables extends PageVariables, Node>(
    method: (variables?: Variables) => Promise<Connection<Node>>,
    variables?: Variables,
  ): AsyncGenerator<Node>;
  function paginate<Variables extends PageVariables, Node>(
    method: (variables: Variables) => Promise<Connection<Node>>,
    variables: Variables,
  ): AsyncGenerator<Node>;
  async function* paginate<Variables extends PageVariables, Node>(
    method: (variables: Variables) => Promise<Connection<Node>>,
    variables?: Variables,
  ): AsyncGenerator<Node> {
    let after: string | null | undefined = variables?.after;
    for (;;) {
      const page = await method({ ...(variables as Variables), after });
      for (const edge of page.edges) yield edge.node;
      if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
      after = page.pageInfo.endCursor;
    }
  }

  const client = {
    request,

    signUp: mutate(SignUpDocument, 'signUp'),
    /** A session, or for a person with a second factor `SecondFactorRequired`: then `completeLogIn`. */
    logIn: mutate(LogInDocument, 'logIn'),
    /** Trades logIn's challenge and a code (TOTP or recovery) for the session. */
    completeLogIn: mutate(CompleteLogInDocument, 'completeLogIn'),
    /** A new TOTP secret for yourself (in a session, with your password), in force once confirmed. */
    enrollSecondFactor: mutate(EnrollSecondFactorDocument, 'enrollSecondFactor'),
    /** Confirms the enrolled secret with a code; answers the recovery codes, shown once. */
    confirmSecondFactor: mutate(ConfirmSecondFactorDocument, 'confirmSecondFactor'),
    /** Removes your own second factor, or resets another user's (owner; administrators for MEMBERs). */
    disableSecondFactor: mutate(DisableSecondFactorDocument, 'disableSecondFactor'),
    /** Who must sign in with a second factor (the owner only). */
    setSecondFactorPolicy: mutate(SetSecondFactorPolicyDocument, 'setSecondFactorPolicy'),
    logOut: async () => (await request(LogOutDocument)).logOut,
    createApiToken: mutate(CreateApiTokenDocument, 'createApiToken'),
    revokeApiToken: mutate(RevokeApiTokenDocument, 'revokeApiToken'),
    createUser: mutate(CreateUserDocument, 'createUser'),
    updateUser: mutate(UpdateUserDocument, 'updateUser'),
    changePlan: mutate(ChangePlanDocument, 'changePlan'),
    deleteUser: mutate(DeleteUserDocument, 'deleteUser'),
    /** Ends sessions of a user (a stolen one): listed ones, or all but this client's own without `sessionIds`. */
    revokeSessions: mutate(RevokeSessionsDocument, 'revokeSessions'),
    /** The owner hands the master account to an ADMIN, re-entering their password. */
    transferOwnership: mutate(TransferOwnershipDocument, 'transferOwnership'),
    addAlias: mutate(AddAliasDocument, 'addAlias'),
    removeAlias: mutate(RemoveAliasDocument, 'removeAlias'),
    addDomain: mutate(AddDomainDocument, 'addDomain'),
    verifyDomain: mutate(VerifyDomainDocument, 'verifyDomain'),
    removeDomain: mutate(RemoveDomainDocument, 'removeDomain'),
    setLowBalanceThreshold: mutate(SetLowBalanceThresholdDocument, 'setLowBalanceThreshold'),
    createGroup: mutate(CreateGroupDocument, 'createGroup'),
    updateGroup: mutate(UpdateGroupDocument, 'updateGroup'),
    deleteGroup: mutate(DeleteGroupDocument, 'deleteGroup'),
    addGroupMembers: mutate(AddGroupMembersDocument, 'addGroupMembers'),
    removeGroupMembers: mutate(RemoveGroupMembersDocument, 'removeGroupMembers'),
    createResource: mutate(CreateResourceDocument, 'createResource'),
    deleteResource: mutate(DeleteResourceDocument, 'deleteResource'),
    shareResource: mutate(ShareResourceDocument, 'shareResource'),
    unshareResource: mutate(UnshareResourceDocument, 'unshareResource'),

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
    groups: list(GroupsDocument, (result) => requireAccount(result.viewer).groups),
    resources: list(ResourcesDocument, (result) => requireAccount(result.viewer).resources),
    /** The members of a group with their roles; `NotFoundError` when the group is not yours. */
    groupMembers: list(GroupMembersDocument, (result) => {
      if (result.node?.__typename !== 'Group') throw new NotFoundError('no group with this ID in your master account', 'GroupMembers', 'NOT_FOUND');
      return result.node.members;
    }),
    /** What a user can open and how: the strongest permission any of their groups (or ownership) gives. */
    async access(userId: string) {
      const { node } = await request(UserAccessDocument, { userId });
      if (node?.__typename !== 'User') throw new NotFoundError('no user with this ID in your master account', 'UserAccess', 'NOT_FOUND');
      return node.access;
    },

    /** A user's live sessions, newest first (the user themself, the owner and administrators). */
    sessions: list(UserSessionsDocument, (result) => {
      if (result.node?.__typename !== 'User') throw new NotFoundError('no user with this ID in your master account', 'UserSessions', 'NOT_FOUND');
      return result.node.sessions;
    }),

    paginate,

    subscribe: {
      /** Each new ledger entry of the master account (owner and administrators). */
      ledgerEntryAdded: () => subscribe(LedgerEntryAddedDocument, (result) => result.ledgerEntryAdded),
      /** Each time a charge takes the balance below the low-balance threshold. */
      lowBalance: () => subscribe(LowBalanceDocument, (result) => result.lowBalance),
    },
  };
  return client;
}

function requireAccount<Account>(viewer: { masterAccount: Account } | null | undefined): Account {
  if (!viewer) throw new UnauthenticatedError('this list needs a token', undefined, 'UNAUTHENTICATED');
  return viewer.masterAccount;
}

export type MailadminClient = ReturnType<typeof createClient>;
export type {
  UsersQueryVariables,
  DomainsQueryVariables,
  LedgerQueryVariables,
  AuditLogQueryVariables,
  GroupsQueryVariables,
  GroupMembersQueryVariables,
  ResourcesQueryVariables,
};
