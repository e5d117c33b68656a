import { builder } from '../builder.js';
import { viewerNodes, type Loaders } from '../context.js';
import { addAlias, removeAlias, type AliasRow } from '../domain/aliases.js';
import { AddressReservedError, AddressTakenError, AliasLimitReachedError, DomainNotVerifiedError } from '../domain/errors.js';
import { aliasesOf, type UserRow } from '../domain/users.js';
import { CONSOLE_ERRORS } from './errors.js';
import { globalIdOf, parseGlobalId } from './ids.js';
import { AliasRef, UserRef } from './refs.js';

async function ownerOf(alias: AliasRow, loaders: Loaders): Promise<UserRow> {
  const user = alias.userId ? await loaders.user.load(alias.userId) : null;
  if (!user) throw new Error(`user of alias ${alias.id} is not loadable`);
  return user;
}

builder.node(AliasRef, {
  description: "Another address delivering to a user's inbox, so one person can have several addresses with one account.",
  id: { resolve: (alias) => alias.id },
  loadMany: (ids, context) => viewerNodes(context, AliasRef, (loaders) => loaders.alias, ids),
  fields: (t) => ({
    address: t.exposeString('address', { description: 'The alias address, lowercased.' }),
    user: t.field({
      type: UserRef,
      description: 'The user whose inbox receives mail sent to the alias.',
      resolve: (alias, _args, context) => ownerOf(alias, context.loaders(alias.masterAccountId)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the alias was added.' }),
  }),
});

builder.objectField(UserRef, 'aliases', (t) =>
  t.field({
    type: [AliasRef],
    description: "The user's aliases, by address. Their number may exceed aliasLimit after a downgrade; then no new one can be added.",
    // A row from a page of users brought its aliases: no promise for them.
    resolve: (user, _args, context) => aliasesOf(user) ?? context.loaders(user.masterAccountId).aliasesOfUser.load(user.id),
  }),
);

const AddAliasInput = builder.inputType('AddAliasInput', {
  description: 'A new alias for a user.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user who receives the mail.' }),
    address: t.string({ required: true, description: 'The alias, on the provider domain or a verified domain of yours.' }),
  }),
});

const AliasPayload = builder.objectRef<{ alias: AliasRow }>('AddAliasSuccess').implement({
  description: 'The alias was added.',
  fields: (t) => ({ alias: t.expose('alias', { type: AliasRef, description: 'The new alias.' }) }),
});

builder.mutationField('addAlias', (t) =>
  t.withAuth({ write: true }).field({
    type: AliasPayload,
    description: "Adds an alias to a user, within their plan's alias limit (owner or administrator).",
    errors: { types: [...CONSOLE_ERRORS, AddressTakenError, AddressReservedError, DomainNotVerifiedError, AliasLimitReachedError] },
    args: { input: t.arg({ type: AddAliasInput, required: true, description: 'The user and the address.' }) },
    resolve: async (_root, { input }, context) => ({
      alias: await addAlias(
        context.db,
        context.viewer,
        context.config.mailDomain,
        { userId: parseGlobalId('userId', input.userId, 'User'), address: input.address },
        context.now,
      ),
    }),
  }),
);

const RemoveAliasInput = builder.inputType('RemoveAliasInput', {
  description: 'The alias to remove.',
  fields: (t) => ({ aliasId: t.id({ required: true, description: 'The alias.' }) }),
});

const RemoveAliasSuccess = builder.objectRef<{ alias: AliasRow }>('RemoveAliasSuccess').implement({
  description: 'The alias was removed; its address is held for 30 days before anyone can take it.',
  fields: (t) => ({
    removedAliasId: t.id({ description: 'The global ID the alias had.', resolve: (p) => globalIdOf('Alias', p.alias.id) }),
    user: t.field({
      type: UserRef,
      description: 'The user the alias belonged to, as they are now.',
      resolve: (p, _args, context) => ownerOf(p.alias, context.loaders(p.alias.masterAccountId)),
    }),
  }),
});

builder.mutationField('removeAlias', (t) =>
  t.withAuth({ write: true }).field({
    type: RemoveAliasSuccess,
    description: 'Removes an alias; mail to it is no longer delivered (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: RemoveAliasInput, required: true, description: 'The alias.' }) },
    resolve: async (_root, { input }, context) => ({
      alias: await removeAlias(context.db, context.viewer, parseGlobalId('aliasId', input.aliasId, 'Alias'), context.now),
    }),
  }),
);
