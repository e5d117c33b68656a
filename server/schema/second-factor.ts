import { builder } from '../builder.js';
import type { MasterAccountRow } from '../context.js';
import { ForbiddenError, InvalidCredentialsError, RateLimitedError, SecondFactorRequiredError } from '../domain/errors.js';
import {
  completeLogIn,
  confirmSecondFactor,
  disableSecondFactor,
  enrollSecondFactor,
  RECOVERY_CODE_COUNT,
  secondFactorMissing,
  setSecondFactorPolicy,
  type Enrolment,
} from '../domain/second-factor.js';
import type { UserRow } from '../domain/users.js';
import { LogInSuccess, sessionViewer, ViewerType } from './accounts.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { MasterAccountRef, UserRef } from './refs.js';

export const SecondFactorPolicyEnum = builder.enumType('SecondFactorPolicy', {
  description:
    'Who must sign in with a second factor. A person it covers who has none can, in a session, only read `viewer`, enrol and confirm one, and log out (SECOND_FACTOR_REQUIRED otherwise). API tokens are not covered.',
  values: {
    NONE: { description: 'Nobody must; people may still enrol one, and then need it to log in.' },
    ADMINS: { description: 'The owner and the administrators.' },
    EVERYONE: { description: 'Every person of the master account.' },
  },
});

builder.objectField(MasterAccountRef, 'secondFactorPolicy', (t) =>
  t.expose('secondFactorPolicy', {
    type: SecondFactorPolicyEnum,
    description: 'Who must sign in with a second factor; the owner sets it with setSecondFactorPolicy.',
  }),
);

builder.objectField(UserRef, 'secondFactor', (t) =>
  t.exposeBoolean('secondFactor', {
    description: 'Whether the user has a confirmed second factor (TOTP), which logIn then asks for (completeLogIn).',
  }),
);

builder.objectField(ViewerType, 'secondFactorMissing', (t) =>
  t.boolean({
    description:
      "Whether the owner's policy requires a second factor of this session's user, who has not confirmed one: until they do (enrollSecondFactor, confirmSecondFactor), this session can only read `viewer` and log out. Always false for API tokens.",
    resolve: async (viewer, _args, context) => {
      // The request's own account came with its token: no statement.
      const account = await context.loaders(viewer.masterAccountId).masterAccount.load(viewer.masterAccountId);
      return account ? secondFactorMissing(viewer, account.secondFactorPolicy) : false;
    },
  }),
);

const EnrollSecondFactorInput = builder.inputType('EnrollSecondFactorInput', {
  description: 'Your password, re-entered to enrol a second factor.',
  fields: (t) => ({
    password: t.string({ required: true, description: 'Your own password; a wrong one counts as a failed log-in.' }),
  }),
});

const EnrollSecondFactorSuccess = builder.objectRef<Enrolment>('EnrollSecondFactorSuccess').implement({
  description:
    'A new TOTP secret, not in force until confirmSecondFactor (a later enrolment replaces it). Shown only this once: put it in an authenticator app.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The secret in base32, for apps where it is typed in.' }),
    otpauthUri: t.exposeString('otpauthUri', {
      description: 'The same as an otpauth://totp/ URI (issuer "mailadmin", your address, SHA1, 6 digits, 30 s), to show as a QR code.',
    }),
  }),
});

builder.mutationField('enrollSecondFactor', (t) =>
  t.withAuth({ write: true }).field({
    type: EnrollSecondFactorSuccess,
    description:
      'Starts enrolling a second factor (TOTP) for yourself, in a session: answers a new secret for your authenticator app, then confirmSecondFactor puts it in force. FORBIDDEN if you already have one (disable it first) or with an API token.',
    errors: { types: [ForbiddenError, InvalidCredentialsError, RateLimitedError] },
    args: { input: t.arg({ type: EnrollSecondFactorInput, required: true, description: 'Your password.' }) },
    resolve: (_root, { input }, context) => enrollSecondFactor(context.db, context.viewer, input.password, context.now, context.client),
  }),
);

const ConfirmSecondFactorInput = builder.inputType('ConfirmSecondFactorInput', {
  description: 'A code from the secret enrollSecondFactor gave.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The 6-digit code your authenticator app shows now.' }),
  }),
});

const ConfirmSecondFactorSuccess = builder.objectRef<{ recoveryCodes: string[] }>('ConfirmSecondFactorSuccess').implement({
  description: 'Your second factor is in force: logIn now asks for a code.',
  fields: (t) => ({
    recoveryCodes: t.exposeStringList('recoveryCodes', {
      description: `${RECOVERY_CODE_COUNT} codes, each good for one log-in without the app (completeLogIn). Shown only this once: keep them somewhere safe.`,
    }),
  }),
});

builder.mutationField('confirmSecondFactor', (t) =>
  t.withAuth({ write: true }).field({
    type: ConfirmSecondFactorSuccess,
    description:
      'Confirms the second factor you enrolled with a current code from it, and answers your recovery codes. A wrong code is INVALID_CREDENTIALS, and codes are throttled like passwords.',
    errors: { types: [ForbiddenError, InvalidCredentialsError, RateLimitedError] },
    args: { input: t.arg({ type: ConfirmSecondFactorInput, required: true, description: 'The code.' }) },
    resolve: async (_root, { input }, context) => ({
      recoveryCodes: await confirmSecondFactor(context.db, context.viewer, input.code, context.now, context.client),
    }),
  }),
);

const CompleteLogInInput = builder.inputType('CompleteLogInInput', {
  description: "The challenge logIn answered, and a code of the person's second factor.",
  fields: (t) => ({
    challenge: t.string({ required: true, description: 'The `challenge` of SecondFactorRequired.' }),
    code: t.string({
      required: true,
      description: 'The 6-digit code the authenticator app shows now (each code works once), or one of the recovery codes (each works once).',
    }),
  }),
});

builder.mutationField('completeLogIn', (t) =>
  t.field({
    type: LogInSuccess,
    description:
      'Completes a log-in that answered SecondFactorRequired, before the challenge expires, and returns the session. Needs no token. A wrong code leaves the challenge usable; codes are throttled like passwords (RateLimitedError).',
    errors: { types: [InvalidCredentialsError, ForbiddenError, RateLimitedError] },
    args: { input: t.arg({ type: CompleteLogInInput, required: true, description: 'The challenge and a code.' }) },
    resolve: async (_root, { input }, context) => {
      const session = await completeLogIn(context.db, input, context.now, context.client, context.userAgent);
      const owner = await context.loaders(session.masterAccountId).owner.load(session.masterAccountId);
      return { token: session.token, viewer: sessionViewer(session, session.role, owner.plan, true) };
    },
  }),
);

const DisableSecondFactorInput = builder.inputType('DisableSecondFactorInput', {
  description: 'Whose second factor to remove, and your password.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'Yourself, or (owner and administrators) another user of your master account.' }),
    password: t.string({ required: true, description: 'Your own password, also when resetting another user; a wrong one counts as a failed log-in.' }),
  }),
});

const DisableSecondFactorSuccess = builder.objectRef<{ user: UserRow }>('DisableSecondFactorSuccess').implement({
  description: "The user has no second factor any more (nor recovery codes); one the owner's policy covers must enrol again.",
  fields: (t) => ({ user: t.expose('user', { type: UserRef, description: 'The user as it is now.' }) }),
});

builder.mutationField('disableSecondFactor', (t) =>
  t.withAuth({ write: true }).field({
    type: DisableSecondFactorSuccess,
    description:
      "Removes a second factor, in a session: your own; or, as a reset for someone who lost theirs, the owner anyone's and an administrator a MEMBER's, which also ends that user's sessions. Always with your own password.",
    errors: { types: [...CONSOLE_ERRORS, InvalidCredentialsError, RateLimitedError] },
    args: { input: t.arg({ type: DisableSecondFactorInput, required: true, description: 'The user and your password.' }) },
    resolve: async (_root, { input }, context) => ({
      user: await disableSecondFactor(
        context.db,
        context.viewer,
        { userId: parseGlobalId('userId', input.userId, 'User'), password: input.password },
        context.now,
        context.client,
      ),
    }),
  }),
);

const SetSecondFactorPolicyInput = builder.inputType('SetSecondFactorPolicyInput', {
  description: 'Who must sign in with a second factor.',
  fields: (t) => ({
    requiredFor: t.field({ type: SecondFactorPolicyEnum, required: true, description: 'NONE, ADMINS (the owner and administrators) or EVERYONE.' }),
  }),
});

const SetSecondFactorPolicySuccess = builder.objectRef<{ masterAccount: MasterAccountRow }>('SetSecondFactorPolicySuccess').implement({
  description: "The policy is in force from the next request of every session.",
  fields: (t) => ({ masterAccount: t.expose('masterAccount', { type: MasterAccountRef, description: 'The master account, with its policy.' }) }),
});

builder.mutationField('setSecondFactorPolicy', (t) =>
  t.withAuth({ write: true }).field({
    type: SetSecondFactorPolicySuccess,
    description:
      'Sets who must sign in with a second factor (the owner only). Requiring one needs a confirmed second factor of your own (SecondFactorRequiredError).',
    errors: { types: [...CONSOLE_ERRORS, SecondFactorRequiredError] },
    args: { input: t.arg({ type: SetSecondFactorPolicyInput, required: true, description: 'The policy.' }) },
    resolve: async (_root, { input }, context) => ({
      masterAccount: await setSecondFactorPolicy(context.db, context.viewer, input.requiredFor),
    }),
  }),
);
