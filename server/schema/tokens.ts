import { builder } from '../builder.js';
import { createApiToken, revokeApiToken } from '../domain/tokens.js';
import { isAdmin } from '../domain/viewer.js';
import { viewerNodes, type ApiTokenRow } from '../context.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { ApiTokenRef, UserRef } from './refs.js';

export const TokenScopeEnum = builder.enumType('TokenScope', {
  description: 'What a token may do.',
  values: {
    READ: { description: 'Look things up: `node`, `nodes`, the master account\'s lists, balance and ledger, and subscriptions. Without it a token still sees `viewer` and what its own mutations return.' },
    WRITE: { description: 'Run mutations and read back what they return; looking anything else up needs READ.' },
    BILLING: { description: 'Move money: add deposits and change billing settings (together with WRITE).' },
  },
});

builder.node(ApiTokenRef, {
  description: 'A token an integration uses instead of a password. Its secret is shown only when it is created.',
  id: { resolve: (token) => token.id },
  loadMany: (ids, context) =>
    viewerNodes(context, ApiTokenRef, (loaders) => loaders.apiToken, ids).map(async (pending) => {
      const row = await pending;
      const viewer = context.viewer;
      // Members see only their own tokens; sessions are not API tokens and stay invisible here.
      return row && viewer && row.kind === 'API' && (isAdmin(viewer) || row.userId === viewer.userId) ? row : null;
    }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the token is for, such as "HR onboarding".' }),
    scopes: t.expose('scopes', { type: [TokenScopeEnum], description: 'What the token may do.' }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user the token acts as; its powers are never more than theirs.',
      resolve: (token, _args, context) => context.loaders(token.masterAccountId).user.load(token.userId),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the token was created.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the token was last used, to the minute; null if never.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the token stops working; null if it does not expire.',
    }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the token was revoked; null while it works.',
    }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'A new API token acting as you.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the token is for (1-100 characters).' }),
    scopes: t.field({
      type: [TokenScopeEnum],
      required: true,
      description: 'What it may do; never more than the token of this request may.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working; leave out for no expiry.' }),
  }),
});

const CreateApiTokenSuccess = builder.objectRef<{ token: string; apiToken: ApiTokenRow }>('CreateApiTokenSuccess').implement({
  description: 'The token was created. Store `token` now: it is never shown again.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The secret, starting with "mat_"; send it as `Authorization: Bearer <token>`.' }),
    apiToken: t.expose('apiToken', { type: ApiTokenRef, description: 'The token record.' }),
  }),
});

builder.mutationField('createApiToken', (t) =>
  t.withAuth({ write: true }).field({
    type: CreateApiTokenSuccess,
    description: 'Creates an API token acting as you, for an integration. Needs console access.',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: CreateApiTokenInput, required: true, description: 'Name and scopes.' }) },
    resolve: async (_root, { input }, context) => {
      const issued = await createApiToken(context.db, context.viewer, input, context.now);
      return { token: issued.token, apiToken: issued.row };
    },
  }),
);

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  description: 'The API token to revoke.',
  fields: (t) => ({ apiTokenId: t.id({ required: true, description: 'The token to revoke.' }) }),
});

const RevokeApiTokenSuccess = builder.objectRef<{ apiToken: ApiTokenRow }>('RevokeApiTokenSuccess').implement({
  description: 'The token no longer works.',
  fields: (t) => ({ apiToken: t.expose('apiToken', { type: ApiTokenRef, description: 'The revoked token.' }) }),
});

builder.mutationField('revokeApiToken', (t) =>
  t.withAuth({ write: true }).field({
    type: RevokeApiTokenSuccess,
    description: "Revokes an API token at once: one's own, or any of the master account's for administrators.",
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true, description: 'The token to revoke.' }) },
    resolve: async (_root, { input }, context) => ({
      apiToken: await revokeApiToken(
        context.db,
        context.viewer,
        parseGlobalId('apiTokenId', input.apiTokenId, 'ApiToken'),
        context.now,
      ),
    }),
  }),
);
