import { builder } from '../builder.js';
import { signUp, logIn, logOut, type LogInChallenge, type SessionResult } from '../domain/accounts.js';
import {
  AddressReservedError,
  AddressTakenError,
  DomainNotVerifiedError,
  ForbiddenError,
  InvalidCredentialsError,
  RateLimitedError,
  ValidationError,
} from '../domain/errors.js';
import { TOKEN_SCOPES, type Viewer } from '../domain/viewer.js';
import type { Context } from '../context.js';
import { PlanEnum } from './plans.js';
import { MasterAccountRef, UserRef } from './refs.js';
import { selectsOnly } from './selection.js';
import { TokenScopeEnum } from './tokens.js';

/**
 * READ gates reading (issue 22). A token without it reads only:
 * - `viewer { scopes }`: what the token may do, so an integration can tell why it is refused;
 * - `viewer { user { id } }`: its own user's ID, which mutations such as updateUser (a new
 *   password or display name for oneself) take as input; nothing else of the user;
 * - the payload of a mutation it may run (createUser's `user`, addAlias's `alias`...): the README's
 *   "reading back what they return". It does not pass through Query.viewer, so nothing here stops it.
 * `viewer { masterAccount { id } }` is refused too: no mutation takes a master account's ID, and
 * node() needs READ, so the ID would serve such a token for nothing.
 *
 * Every object of the account the query root reaches hangs under Viewer.user or
 * Viewer.masterAccount (node, nodes and the subscriptions need READ themselves), so these two
 * entry fields are checked, once per request, rather than every field of every object: the hot
 * paths (a page of users, a user by ID) keep their synchronous fields. The scopes checked are the
 * Viewer's own: Query.viewer's are the request's token's, the viewer in signUp's and logIn's
 * payload is the new session's, with every scope. tests/read-scope.test.ts walks the schema for
 * any other way in.
 */
const USER_WITHOUT_READ: ReadonlySet<string> = new Set(['id', '__typename']);

function forbiddenWithoutRead(): ForbiddenError {
  return new ForbiddenError(
    'This token lacks the READ scope: without it, `viewer` shows only `scopes` and `user { id }`, and mutations answer with what they change.',
  );
}

export const ViewerType = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is signed in: the user, their master account and what the token may do.',
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: 'The signed-in user. Without the READ scope only its `id` can be asked for.',
      resolve: async (viewer, _args, context, info) => {
        if (!viewer.scopes.includes('READ') && !selectsOnly(info, USER_WITHOUT_READ)) throw forbiddenWithoutRead();
        const user = await context.loaders(viewer.masterAccountId).user.load(viewer.userId);
        if (!user) throw new Error(`viewer ${viewer.userId} is not loadable`);
        return user;
      },
    }),
    masterAccount: t.field({
      type: MasterAccountRef,
      description: "The signed-in user's master account; needs the READ scope.",
      resolve: async (viewer, _args, context) => {
        if (!viewer.scopes.includes('READ')) throw forbiddenWithoutRead();
        const account = await context.loaders(viewer.masterAccountId).masterAccount.load(viewer.masterAccountId);
        if (!account) throw new Error(`master account ${viewer.masterAccountId} is not loadable`);
        return account;
      },
    }),
    scopes: t.field({
      type: [TokenScopeEnum],
      description: 'What the token of this request may do; sessions from signUp and logIn have every scope.',
      resolve: (viewer) => [...viewer.scopes],
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    nullable: true,
    description: 'The signed-in user and master account; null without a token.',
    resolve: (_root, _args, context) => context.viewer,
  }),
);

/** The viewer a new session will have, so the same response can show who signed in. */
export function sessionViewer(session: SessionResult, role: Viewer['role'], ownerPlan: Viewer['ownerPlan'], secondFactor = false): Viewer {
  return {
    userId: session.userId,
    masterAccountId: session.masterAccountId,
    role,
    ownerPlan,
    scopes: [...TOKEN_SCOPES],
    tokenId: session.row.id,
    tokenKind: 'SESSION',
    secondFactor,
  };
}

interface SessionPayload {
  token: string;
  viewer: Viewer;
}

const sessionFields = (name: string, description: string) =>
  builder.objectRef<SessionPayload>(name).implement({
    description,
    fields: (t) => ({
      token: t.exposeString('token', {
        description: 'The session token, shown only this once: send it as `Authorization: Bearer <token>`. It lasts 30 days.',
      }),
      viewer: t.expose('viewer', { type: ViewerType, description: 'Who the token signs in.' }),
    }),
  });

const SignUpInput = builder.inputType('SignUpInput', {
  description: 'A new master account and its owner.',
  fields: (t) => ({
    organizationName: t.string({ required: true, description: 'The name of the organization or family (1-100 characters).' }),
    ownerAddress: t.string({ required: true, description: "The owner's address on the provider's domain, such as \"ada@mailadmin.test\"." }),
    ownerDisplayName: t.string({ required: true, description: "The owner's display name (1-100 characters)." }),
    password: t.string({ required: true, description: "The owner's password: at least 10 characters." }),
    plan: t.field({
      type: PlanEnum,
      required: true,
      description: "The owner's plan; the admin console needs ENTRY or PRO (the owner's plan is not paid from the deposit).",
    }),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: sessionFields('SignUpSuccess', 'The master account was created and its owner is signed in.'),
    description: 'Creates a master account with its owner, and signs the owner in. Needs no token.',
    errors: { types: [ValidationError, AddressTakenError, AddressReservedError, DomainNotVerifiedError] },
    args: { input: t.arg({ type: SignUpInput, required: true, description: 'The master account and its owner.' }) },
    resolve: async (_root, { input }, context: Context) => {
      const session = await signUp(context.db, context.config.mailDomain, input, context.now, { client: context.userAgent, ipAddress: context.client });
      return { token: session.token, viewer: sessionViewer(session, 'OWNER', input.plan) };
    },
  }),
);

const LogInInput = builder.inputType('LogInInput', {
  description: 'The credentials of a person.',
  fields: (t) => ({
    address: t.string({ required: true, description: 'The primary address, in any case.' }),
    password: t.string({ required: true, description: 'The password.' }),
  }),
});

/** The answer of logIn without a second factor, and of completeLogIn. */
export const LogInSuccess = sessionFields('LogInSuccess', 'The user is signed in.');

const SecondFactorRequired = builder.objectRef<LogInChallenge>('SecondFactorRequired').implement({
  description:
    'The password was right, and the person has a second factor: send `challenge` with a code to completeLogIn for the session.',
  fields: (t) => ({
    challenge: t.exposeString('challenge', {
      description: 'Shown only this once; completeLogIn takes it with a code, once.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'When the challenge stops working (5 minutes after the log-in); log in again after that.',
    }),
  }),
});

builder.mutationField('logIn', (t) =>
  t.errorUnionField({
    types: [LogInSuccess, SecondFactorRequired, InvalidCredentialsError, ForbiddenError, RateLimitedError],
    union: {
      name: 'LogInResult',
      description:
        'The outcome of logIn: LogInSuccess with the session; SecondFactorRequired when the person has a second factor (then completeLogIn); otherwise one of the errors (all implement Error), and no session was opened.',
      resolveType: (value) => ('challenge' in value ? 'SecondFactorRequired' : 'LogInSuccess'),
    },
    description:
      'Signs a person in and returns a new 30-day session token, or, for a person with a second factor, a challenge to complete with completeLogIn. Needs no token. Repeated failures for one address or from one client are refused for a while with RateLimitedError.',
    args: { input: t.arg({ type: LogInInput, required: true, description: 'Address and password.' }) },
    resolve: async (_root, { input }, context: Context) => {
      const session = await logIn(context.db, input, context.now, context.client, context.userAgent);
      if ('challenge' in session) return session;
      const user = await context.loaders(session.masterAccountId).user.load(session.userId);
      const owner = await context.loaders(session.masterAccountId).owner.load(session.masterAccountId);
      if (!user) throw new Error(`signed-in user ${session.userId} is not loadable`);
      return { token: session.token, viewer: sessionViewer(session, user.role, owner.plan) };
    },
  }),
);

builder.mutationField('logOut', (t) =>
  t.boolean({
    description:
      'Ends the session this request was made with; true when one was ended. API tokens are ended with revokeApiToken.',
    resolve: (_root, _args, context: Context) => logOut(context.db, context.viewer, context.now),
  }),
);
