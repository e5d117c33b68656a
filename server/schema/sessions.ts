import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import { ForbiddenError, InsufficientFundsError, InvalidCredentialsError, RateLimitedError } from '../domain/errors.js';
import { transferOwnership, type OwnershipTransfer } from '../domain/ownership.js';
import { isLive, listSessions, maySeeSessions, MAX_REVOKED_SESSIONS, revokeSessions, type SessionRow } from '../domain/sessions.js';
import { assertConsole } from '../domain/viewer.js';
import { publishMoneyEvents } from '../pubsub.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { LedgerEntryRef, MasterAccountRef, UserRef } from './refs.js';

export const SessionRef = builder.objectRef<SessionRow>('Session');

builder.node(SessionRef, {
  description:
    'A signed-in session of a person (from signUp, logIn or completeLogIn), as its user, the owner and administrators see it. Only sessions that still work are shown.',
  id: { resolve: (session) => session.id },
  loadMany: (ids, context) =>
    viewerNodes(context, SessionRef, (loaders) => loaders.session, ids).map(async (pending) => {
      const row = await pending;
      const viewer = context.viewer;
      return row && viewer && isLive(row, context.now) && maySeeSessions(viewer, row.userId) ? row : null;
    }),
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the session was opened (the log-in).' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a request last used the session, to the minute; null if none has since the log-in.',
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When the session ends by itself, 30 days after the log-in.',
      resolve: (session) => session.expiresAt ?? session.createdAt,
    }),
    client: t.exposeString('client', {
      nullable: true,
      description: 'The User-Agent of the browser or program that opened it, as it sent it; null if it sent none.',
    }),
    ipAddress: t.exposeString('ipAddress', {
      nullable: true,
      description: 'The IP address it was opened from (behind trusted proxies, the client they name); null when unknown.',
    }),
    current: t.boolean({
      description: 'Whether this is the session of the request asking.',
      resolve: (session, _args, context) => session.id === context.viewer?.tokenId,
    }),
  }),
});

builder.objectField(UserRef, 'sessions', (t) =>
  t.withAuth({ read: true }).connection(
    {
      type: SessionRef,
      description:
        "The user's sessions that still work, newest first: readable by the user themself, the owner and administrators (FORBIDDEN for others). End them with revokeSessions.",
      resolve: (user, args, context) => {
        assertConsole(context.viewer);
        if (!maySeeSessions(context.viewer, user.id)) {
          throw new ForbiddenError('Only the user themself, the owner and administrators may see sessions.');
        }
        return listSessions(context.db, user.masterAccountId, user.id, args, context.now);
      },
    },
    { name: 'SessionConnection', description: 'A page of sessions.' },
    { name: 'SessionEdge', description: 'A session in a list, with its cursor.' },
  ),
);

const RevokeSessionsInput = builder.inputType('RevokeSessionsInput', {
  description: 'Sessions of one user to end.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user whose sessions end.' }),
    sessionIds: t.idList({
      description: `The sessions to end (1-${MAX_REVOKED_SESSIONS}, each a live session of that user); leave out to end every session of that user except the one of this request.`,
    }),
  }),
});

const RevokeSessionsSuccess = builder.objectRef<{ revokedCount: number }>('RevokeSessionsSuccess').implement({
  description: 'The sessions were ended: their tokens stop working at once on every server, and their live subscriptions close.',
  fields: (t) => ({ revokedCount: t.exposeInt('revokedCount', { description: 'How many sessions were ended.' }) }),
});

builder.mutationField('revokeSessions', (t) =>
  t.withAuth({ write: true }).field({
    type: RevokeSessionsSuccess,
    description:
      "Ends sessions of a user, such as a stolen one: one's own; the owner anyone's; an administrator those of MEMBERs.",
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: RevokeSessionsInput, required: true, description: 'The user and the sessions.' }) },
    resolve: async (_root, { input }, context) => {
      assertConsole(context.viewer);
      const sessionIds = input.sessionIds?.map((id, i) => parseGlobalId(`sessionIds[${i}]`, id, 'Session'));
      const revokedCount = await revokeSessions(
        context.db,
        context.viewer,
        { userId: parseGlobalId('userId', input.userId, 'User'), sessionIds },
        context.now,
      );
      return { revokedCount };
    },
  }),
);

const TransferOwnershipInput = builder.inputType('TransferOwnershipInput', {
  description: 'The owner hands the master account to an administrator.',
  fields: (t) => ({
    newOwnerId: t.id({ required: true, description: 'The new owner: an ACTIVE person with the ADMIN role, on a paid plan.' }),
    password: t.string({ required: true, description: "The owner's own password, re-entered; a wrong one counts as a failed log-in." }),
  }),
});

const TransferOwnershipSuccess = builder.objectRef<OwnershipTransfer>('TransferOwnershipSuccess').implement({
  description: 'The master account has a new owner; the previous owner is now an ADMIN.',
  fields: (t) => ({
    masterAccount: t.expose('masterAccount', { type: MasterAccountRef, description: 'The master account.' }),
    previousOwner: t.expose('previousOwner', { type: UserRef, description: 'The previous owner, now an ADMIN.' }),
    newOwner: t.expose('newOwner', { type: UserRef, description: 'The new owner.' }),
    ledgerEntry: t.expose('ledgerEntry', {
      type: LedgerEntryRef,
      nullable: true,
      description:
        "The previous owner's first 30-day period, charged from the deposit now that their plan is paid from it; null on FREE.",
    }),
  }),
});

builder.mutationField('transferOwnership', (t) =>
  t.withAuth({ write: true }).field({
    type: TransferOwnershipSuccess,
    description:
      "Hands the master account to an ACTIVE person who is an ADMIN (the owner only, re-entering their password). The previous owner becomes an ADMIN, and their paid plan is charged from the deposit from now on, starting with a 30-day period at once; the new owner's plan stops being charged.",
    errors: { types: [...CONSOLE_ERRORS, InvalidCredentialsError, RateLimitedError, InsufficientFundsError] },
    args: { input: t.arg({ type: TransferOwnershipInput, required: true, description: 'The new owner and your password.' }) },
    resolve: async (_root, { input }, context) => {
      assertConsole(context.viewer);
      const result = await transferOwnership(
        context.db,
        context.viewer,
        { newOwnerId: parseGlobalId('newOwnerId', input.newOwnerId, 'User'), password: input.password },
        context.now,
        context.client,
      );
      publishMoneyEvents(context.events, result.events);
      return result;
    },
  }),
);
