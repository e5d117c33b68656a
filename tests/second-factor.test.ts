import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { getNamedType, isUnionType } from 'graphql';
import { Secret, TOTP } from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { apiTokens, auditEvents, logInChallenges, masterAccounts, recoveryCodes, users } from '../server/db/tables.js';
import { hashToken } from '../server/domain/tokens.js';
import { LOGIN_THROTTLE } from '../server/domain/throttle.js';
import { schema } from '../server/schema/index.js';
import { buildYoga } from '../server/yoga.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, type Loose, type Tenant } from './harness.js';
import { until } from './until.js';

const app = await startApp();
const db = app.database.db;

// The application behind one trusted proxy, so each request can say which client it comes from:
// codes are throttled per address and client, as passwords are. It hears the database's token
// cache invalidations late, as a busy replica may: a change must be in force on the next request
// through this process's own invalidation, not thanks to a quick notification.
const proxied = buildYoga({
  database: app.database,
  config: { ...loadConfig({}), mailDomain: MAIL_DOMAIN, trustProxy: 1, tokenCacheNotifyDelayMs: 2_000 },
});
afterAll(() => proxied.dispose());

/** A client no other test or run uses (a /64 of the documentation prefix of its own). */
function freshClient(): string {
  return `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;
}

interface Answer {
  data: Loose;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function gql(query: string, variables: Record<string, unknown>, token: string | null, client: string): Promise<Answer> {
  const response = await proxied.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Loose | null; errors?: Answer['errors'] };
  return { data: body.data ?? {}, ...(body.errors ? { errors: body.errors } : {}) };
}

/** Runs a mutation of one `input` and answers its payload, which must not come with GraphQL errors. */
async function mutate(name: string, input: Record<string, unknown>, token: string | null, client: string, selection = ''): Promise<Loose> {
  const type = `${name.charAt(0).toUpperCase()}${name.slice(1)}Input`;
  const result = getNamedType(schema.getMutationType()?.getFields()[name]?.type);
  const throttled = isUnionType(result) && result.getTypes().some((member) => member.name === 'RateLimitedError');
  const answer = await gql(
    `mutation ($input: ${type}!) { ${name}(input: $input) {
      __typename
      ... on Error { code message }
      ${throttled ? '... on RateLimitedError { retryAfter }' : ''}
      ${selection}
    } }`,
    { input },
    token,
    client,
  );
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  return answer.data[name];
}

const LOG_IN_SELECTION = '... on LogInSuccess { token viewer { user { id secondFactor } } } ... on SecondFactorRequired { challenge expiresAt }';

const logIn = (address: string, client: string, password = PASSWORD) => mutate('logIn', { address, password }, null, client, LOG_IN_SELECTION);
const completeLogIn = (challenge: string, code: string, client: string) =>
  mutate('completeLogIn', { challenge, code }, null, client, '... on LogInSuccess { token viewer { user { id secondFactor } secondFactorMissing } }');

// ------------------------------------------------------------------------------------------------
// TOTP as an authenticator app computes it
// ------------------------------------------------------------------------------------------------

const STEP_MS = 30_000;
const currentStep = () => Math.floor(Date.now() / STEP_MS);

function codeFor(secret: string, step: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: step * STEP_MS });
}

/** A code that matches no step near now, so it is wrong whatever the server's clock says. */
function wrongCode(secret: string): string {
  const near = new Set(Array.from({ length: 7 }, (_, i) => codeFor(secret, currentStep() - 3 + i)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

// ------------------------------------------------------------------------------------------------
// People with factors
// ------------------------------------------------------------------------------------------------

interface Person {
  id: string;
  address: string;
  token: string;
}

function ownerOf(tenant: Tenant): Person {
  return { id: tenant.ownerId, address: tenant.ownerAddress, token: tenant.token };
}

async function member(tenant: Tenant, role: 'ADMIN' | 'MEMBER'): Promise<Person> {
  const user = await app.createUser(tenant, { role });
  return { ...user, token: await app.logIn(user.address) };
}

async function enroll(person: Person, client: string): Promise<{ secret: string; otpauthUri: string }> {
  const enrolled = await mutate('enrollSecondFactor', { password: PASSWORD }, person.token, client, '... on EnrollSecondFactorSuccess { secret otpauthUri }');
  expect(enrolled.__typename, JSON.stringify(enrolled)).toBe('EnrollSecondFactorSuccess');
  return { secret: text(enrolled.secret), otpauthUri: text(enrolled.otpauthUri) };
}

/** Enrols and confirms with the code of the current step; answers the secret, that step and the recovery codes. */
async function withFactor(person: Person, client = freshClient()): Promise<{ secret: string; step: number; recoveryCodes: string[] }> {
  const { secret } = await enroll(person, client);
  const step = currentStep();
  const confirmed = await mutate('confirmSecondFactor', { code: codeFor(secret, step) }, person.token, client, '... on ConfirmSecondFactorSuccess { recoveryCodes }');
  expect(confirmed.__typename, JSON.stringify(confirmed)).toBe('ConfirmSecondFactorSuccess');
  const [row] = await db.select({ lastStep: users.totpLastStep }).from(users).where(eq(users.id, decodeId(person.id)));
  return { secret, step: Number(row?.lastStep), recoveryCodes: items(confirmed.recoveryCodes).map(text) };
}

/** Everything a second factor touches, of some users and their account, to show a refusal changed nothing. */
async function factorRows(tenant: Tenant, people: Person[]) {
  const ids = people.map((person) => decodeId(person.id));
  const accountId = decodeId(tenant.masterAccountId);
  return {
    users: await db.select().from(users).where(inArray(users.id, ids)).orderBy(asc(users.id)),
    recoveryCodes: await db.select().from(recoveryCodes).where(inArray(recoveryCodes.userId, ids)).orderBy(asc(recoveryCodes.id)),
    challenges: await db.select().from(logInChallenges).where(inArray(logInChallenges.userId, ids)).orderBy(asc(logInChallenges.id)),
    sessions: (await db.select().from(apiTokens).where(inArray(apiTokens.userId, ids)).orderBy(asc(apiTokens.id))).map((row) => ({ ...row, lastUsedAt: null })),
    audit: await db.select().from(auditEvents).where(eq(auditEvents.masterAccountId, accountId)).orderBy(asc(auditEvents.seq)),
    account: await db.select().from(masterAccounts).where(eq(masterAccounts.id, accountId)),
  };
}

async function auditActions(tenant: Tenant): Promise<string[]> {
  const rows = await db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(eq(auditEvents.masterAccountId, decodeId(tenant.masterAccountId)))
    .orderBy(asc(auditEvents.seq));
  return rows.map((row) => row.action);
}

const VIEWER_ID = 'query { viewer { user { id secondFactor } } }';

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

describe('enrolling a second factor', () => {
  it('gives an otpauth URI for authenticator apps, and counts only once confirmed with a code', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();

    const { secret, otpauthUri } = await enroll(owner, client);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/mailadmin:${owner.address}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret, issuer: 'mailadmin', algorithm: 'SHA1', digits: '6', period: '30' });

    // Not confirmed yet: the factor does not count, and logIn still answers a session.
    expect((await gql(VIEWER_ID, {}, owner.token, client)).data.viewer.user.secondFactor).toBe(false);
    expect((await logIn(owner.address, client)).__typename).toBe('LogInSuccess');

    // A wrong code changes nothing.
    const before = await factorRows(tenant, [owner]);
    expect(await mutate('confirmSecondFactor', { code: wrongCode(secret) }, owner.token, client)).toMatchObject({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
    });
    expect(await factorRows(tenant, [owner])).toEqual(before);

    // Enrolling again replaces a secret not yet confirmed: a code of the old one no longer does.
    const second = await enroll(owner, client);
    expect(second.secret).not.toBe(secret);
    expect(await mutate('confirmSecondFactor', { code: codeFor(secret, currentStep()) }, owner.token, client)).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const confirmed = await mutate(
      'confirmSecondFactor',
      { code: codeFor(second.secret, currentStep()) },
      owner.token,
      client,
      '... on ConfirmSecondFactorSuccess { recoveryCodes }',
    );
    expect(confirmed.__typename).toBe('ConfirmSecondFactorSuccess');
    const codes = items(confirmed.recoveryCodes).map(text);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-hj-km-np-z]{4}-[2-9a-hj-km-np-z]{4}-[2-9a-hj-km-np-z]{4}$/);

    // Only hashes are kept, of the secret's recovery codes; the step of the code is remembered.
    const stored = await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, decodeId(owner.id)));
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]);
    const [row] = await db.select().from(users).where(eq(users.id, decodeId(owner.id)));
    expect(row?.totpConfirmedAt).not.toBeNull();
    expect(row?.totpLastStep).toBeGreaterThanOrEqual(currentStep() - 1);
    expect((await gql(VIEWER_ID, {}, owner.token, client)).data.viewer.user.secondFactor).toBe(true);
    expect(await auditActions(tenant)).toEqual(expect.arrayContaining(['second_factor.enroll', 'second_factor.confirm']));
  });

  it('takes the password again: a wrong one is INVALID_CREDENTIALS, changes nothing and counts as a failed log-in', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();
    const before = await factorRows(tenant, [owner]);
    for (let i = 0; i < LOGIN_THROTTLE.freeFailures.ADDRESS_CLIENT; i++) {
      expect(await mutate('enrollSecondFactor', { password: 'not the password' }, owner.token, client)).toMatchObject({
        __typename: 'InvalidCredentialsError',
      });
    }
    expect(await factorRows(tenant, [owner])).toEqual(before);
    // The failures were log-in failures: the address is blocked from this client, for logIn too.
    expect(await mutate('enrollSecondFactor', { password: PASSWORD }, owner.token, client)).toMatchObject({ __typename: 'RateLimitedError' });
    expect(await logIn(owner.address, client)).toMatchObject({ __typename: 'RateLimitedError' });
  });

  it('refuses a second enrolment once confirmed, confirming with nothing enrolled, and API tokens', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();
    expect(await mutate('confirmSecondFactor', { code: '123456' }, owner.token, client)).toMatchObject({ __typename: 'ForbiddenError' });
    await withFactor(owner, client);
    const before = await factorRows(tenant, [owner]);
    expect(await mutate('enrollSecondFactor', { password: PASSWORD }, owner.token, client)).toMatchObject({
      __typename: 'ForbiddenError',
      message: expect.stringContaining('disable') as unknown,
    });
    expect(await mutate('confirmSecondFactor', { code: '123456' }, owner.token, client)).toMatchObject({ __typename: 'ForbiddenError' });

    const created = await mutate('createApiToken', { name: 'integration', scopes: ['READ', 'WRITE'] }, owner.token, client, '... on CreateApiTokenSuccess { token }');
    const apiToken = text(created.token);
    expect(await mutate('disableSecondFactor', { userId: owner.id, password: PASSWORD }, apiToken, client)).toMatchObject({
      __typename: 'ForbiddenError',
      message: expect.stringContaining('API token') as unknown,
    });
    // Only the token itself is new.
    const after = await factorRows(tenant, [owner]);
    expect(after.users).toEqual(before.users);
    expect(after.recoveryCodes).toEqual(before.recoveryCodes);
  });
});

describe('logging in with a second factor', () => {
  it('answers SecondFactorRequired, and completeLogIn trades the challenge and a code for a session, once', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();
    const { secret, step } = await withFactor(owner, client);

    const started = Date.now();
    const challenged = await logIn(owner.address.toUpperCase(), client);
    expect(challenged.__typename).toBe('SecondFactorRequired');
    const challenge = text(challenged.challenge);
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expiresAt = Date.parse(text(challenged.expiresAt));
    expect(expiresAt).toBeGreaterThanOrEqual(started + 5 * 60_000 - 2_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    const [stored] = await db.select().from(logInChallenges).where(eq(logInChallenges.challengeHash, hashToken(challenge)));
    expect(stored).toMatchObject({ userId: decodeId(owner.id), ipAddress: client, usedAt: null });

    // A code of the step already used to confirm is refused: each code works once.
    const before = await factorRows(tenant, [owner]);
    expect(await completeLogIn(challenge, codeFor(secret, step), client)).toMatchObject({ __typename: 'InvalidCredentialsError' });
    expect(await factorRows(tenant, [owner])).toEqual(before);

    // The next step's code (an app a little ahead) is accepted.
    const completed = await completeLogIn(challenge, codeFor(secret, step + 1), client);
    expect(completed).toMatchObject({ __typename: 'LogInSuccess', viewer: { user: { id: owner.id, secondFactor: true }, secondFactorMissing: false } });
    const session = text(completed.token);
    expect((await gql(VIEWER_ID, {}, session, client)).data.viewer.user.id).toBe(owner.id);
    const [row] = await db.select({ lastStep: users.totpLastStep }).from(users).where(eq(users.id, decodeId(owner.id)));
    expect(row?.lastStep).toBe(step + 1);

    // The challenge is spent, and the same code does not open another session with a new one.
    expect(await completeLogIn(challenge, codeFor(secret, step + 1), client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const again = text((await logIn(owner.address, client)).challenge);
    const beforeReplay = await factorRows(tenant, [owner]);
    expect(await completeLogIn(again, codeFor(secret, step + 1), client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await completeLogIn(again, codeFor(secret, step), client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await factorRows(tenant, [owner])).toEqual(beforeReplay);
  });

  it('accepts each recovery code once, and records it', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();
    const { recoveryCodes: codes } = await withFactor(owner, client);

    const first = text((await logIn(owner.address, client)).challenge);
    // As written on paper: in capitals, with spaces.
    const written = (codes[3] ?? '').toUpperCase().replaceAll('-', ' ');
    expect(await completeLogIn(first, written, client)).toMatchObject({ __typename: 'LogInSuccess' });
    const spent = await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, decodeId(owner.id)));
    expect(spent.filter((row) => row.usedAt !== null)).toHaveLength(1);

    const second = text((await logIn(owner.address, client)).challenge);
    const before = await factorRows(tenant, [owner]);
    expect(await completeLogIn(second, codes[3] ?? '', client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await completeLogIn(second, 'abcd-efgh-jkmn', client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await factorRows(tenant, [owner])).toEqual(before);
    expect(await completeLogIn(second, codes[4] ?? '', client)).toMatchObject({ __typename: 'LogInSuccess' });

    const events = await db
      .select({ action: auditEvents.action, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.masterAccountId, decodeId(tenant.masterAccountId)), eq(auditEvents.action, 'second_factor.use_recovery_code')))
      .orderBy(asc(auditEvents.seq));
    expect(events.map((event) => event.details)).toEqual([{ remaining: 9 }, { remaining: 8 }]);
  });

  it('throttles wrong codes like passwords, apart from them: a right password does not reset the count', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const setup = freshClient();
    const { secret, step } = await withFactor(owner, setup);

    const client = freshClient();
    const challenge = text((await logIn(owner.address, client)).challenge);
    const wrong = wrongCode(secret);
    for (let i = 0; i < LOGIN_THROTTLE.freeFailures.ADDRESS_CLIENT - 1; i++) {
      expect(await completeLogIn(challenge, wrong, client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    // The right password in between: it opens a challenge, and the codes' count goes on.
    const fresh = text((await logIn(owner.address, client)).challenge);
    expect(await completeLogIn(fresh, wrong, client)).toMatchObject({ code: 'INVALID_CREDENTIALS' });

    const before = await factorRows(tenant, [owner]);
    const refused = await completeLogIn(fresh, codeFor(secret, step + 1), client);
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(Date.parse(text(refused.retryAfter))).toBeGreaterThan(Date.now());
    // Refused before the code was looked at: the right code spent nothing.
    expect(await factorRows(tenant, [owner])).toEqual(before);

    // Another client is not blocked by this one, and the challenge still works there.
    expect(await completeLogIn(fresh, codeFor(secret, step + 1), freshClient())).toMatchObject({ __typename: 'LogInSuccess' });
  });

  it('refuses an expired, an unknown and a used challenge alike, changing nothing', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const client = freshClient();
    const { secret, step } = await withFactor(owner, client);

    const challenge = text((await logIn(owner.address, client)).challenge);
    await db
      .update(logInChallenges)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(logInChallenges.challengeHash, hashToken(challenge)));
    const before = await factorRows(tenant, [owner]);
    const expired = await completeLogIn(challenge, codeFor(secret, step + 1), client);
    expect(expired).toMatchObject({ __typename: 'InvalidCredentialsError' });
    const unknown = await completeLogIn(randomBytes(32).toString('base64url'), codeFor(secret, step + 1), client);
    expect(unknown).toEqual(expired);
    expect(await factorRows(tenant, [owner])).toEqual(before);

    // A new log-in works, and clears the spent challenge away.
    const next = text((await logIn(owner.address, client)).challenge);
    expect(await completeLogIn(next, codeFor(secret, step + 1), client)).toMatchObject({ __typename: 'LogInSuccess' });
    expect(await completeLogIn(next, codeFor(secret, step + 1), client)).toEqual(expired);
    const left = await db.select().from(logInChallenges).where(eq(logInChallenges.userId, decodeId(owner.id)));
    expect(left.map((row) => row.challengeHash)).toEqual([hashToken(next)]);
  });

  it('takes one completeLogIn (or logIn) per request: aliases cannot try several codes at once', async () => {
    const complete = (alias: string) => `${alias}completeLogIn(input: { challenge: "c", code: "123456" }) { __typename }`;
    for (const query of [
      `mutation { a: ${complete('')} b: ${complete('')} }`,
      `mutation { ${complete('')} logIn(input: { address: "a@${MAIL_DOMAIN}", password: "p" }) { __typename } }`,
      `mutation { ...Two } fragment Two on Mutation { ${complete('one: ')} ${complete('two: ')} }`,
    ]) {
      const answer = await gql(query, {}, null, freshClient());
      expect(answer.errors?.map((error) => error.extensions?.code), query).toEqual(['TOO_MANY_LOG_INS']);
    }
  });

  it('still refuses a wrong password, and a suspended user after the code', async () => {
    const tenant = await app.signUp();
    const person = await member(tenant, 'MEMBER');
    const client = freshClient();
    const { secret, step } = await withFactor(person, client);
    expect(await logIn(person.address, client, 'not the password')).toMatchObject({ __typename: 'InvalidCredentialsError' });

    const challenge = text((await logIn(person.address, client)).challenge);
    await db.update(users).set({ suspendedAt: new Date() }).where(eq(users.id, decodeId(person.id)));
    const before = await factorRows(tenant, [person]);
    expect(await completeLogIn(challenge, wrongCode(secret), client)).toMatchObject({ __typename: 'InvalidCredentialsError' });
    expect(await completeLogIn(challenge, codeFor(secret, step + 1), client)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await factorRows(tenant, [person])).toEqual(before);
  });
});

describe('disabling a second factor', () => {
  it('for oneself, with one’s password: logIn then answers a session again', async () => {
    const tenant = await app.signUp();
    const person = await member(tenant, 'MEMBER');
    const client = freshClient();
    await withFactor(person, client);

    const before = await factorRows(tenant, [person]);
    expect(await mutate('disableSecondFactor', { userId: person.id, password: 'not the password' }, person.token, client)).toMatchObject({
      __typename: 'InvalidCredentialsError',
    });
    expect(await factorRows(tenant, [person])).toEqual(before);

    const disabled = await mutate('disableSecondFactor', { userId: person.id, password: PASSWORD }, person.token, client, '... on DisableSecondFactorSuccess { user { id secondFactor } }');
    expect(disabled).toMatchObject({ __typename: 'DisableSecondFactorSuccess', user: { id: person.id, secondFactor: false } });
    const [row] = await db.select().from(users).where(eq(users.id, decodeId(person.id)));
    expect(row).toMatchObject({ totpSecret: null, totpConfirmedAt: null, totpLastStep: null });
    expect(await db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, decodeId(person.id)))).toEqual([]);
    // One's own sessions go on.
    expect((await gql(VIEWER_ID, {}, person.token, client)).data.viewer.user.id).toBe(person.id);
    expect((await logIn(person.address, client)).__typename).toBe('LogInSuccess');
    expect(await auditActions(tenant)).toContain('second_factor.disable');
  });

  it("is reset by an administrator for a MEMBER with the administrator's password, ending the member's sessions", async () => {
    const tenant = await app.signUp();
    const admin = await member(tenant, 'ADMIN');
    const person = await member(tenant, 'MEMBER');
    const client = freshClient();
    await withFactor(person, client);

    // The administrator's own password, not the member's.
    const wrongPassword = await factorRows(tenant, [admin, person]);
    expect(await mutate('disableSecondFactor', { userId: person.id, password: 'not the password' }, admin.token, client)).toMatchObject({
      __typename: 'InvalidCredentialsError',
    });
    expect(await factorRows(tenant, [admin, person])).toEqual(wrongPassword);

    const reset = await mutate('disableSecondFactor', { userId: person.id, password: PASSWORD }, admin.token, client, '... on DisableSecondFactorSuccess { user { id secondFactor } }');
    expect(reset).toMatchObject({ __typename: 'DisableSecondFactorSuccess', user: { id: person.id, secondFactor: false } });
    const answer = await gql(VIEWER_ID, {}, person.token, client);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const live = await db.select().from(apiTokens).where(and(eq(apiTokens.userId, decodeId(person.id)), eq(apiTokens.kind, 'SESSION')));
    expect(live.every((session) => session.revokedAt !== null)).toBe(true);
    expect((await gql(VIEWER_ID, {}, admin.token, client)).data.viewer.user.id).toBe(admin.id);
    expect((await logIn(person.address, client)).__typename).toBe('LogInSuccess');
    const [event] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.masterAccountId, decodeId(tenant.masterAccountId)), eq(auditEvents.action, 'second_factor.reset')));
    expect(event).toMatchObject({ actorId: decodeId(admin.id), targetId: decodeId(person.id), details: { wasConfirmed: true, endedSessions: 1 } });
  });

  it("is refused to an administrator for the owner's or another administrator's factor, and to members for anyone's", async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const admin = await member(tenant, 'ADMIN');
    const otherAdmin = await member(tenant, 'ADMIN');
    const person = await member(tenant, 'MEMBER');
    const client = freshClient();
    for (const each of [owner, otherAdmin, person]) await withFactor(each, client);

    const everyone = [owner, admin, otherAdmin, person];
    const before = await factorRows(tenant, everyone);
    for (const [caller, target] of [
      [admin, owner],
      [admin, otherAdmin],
      [person, otherAdmin],
      [person, owner],
    ] as const) {
      expect(await mutate('disableSecondFactor', { userId: target.id, password: PASSWORD }, caller.token, client), `${caller.address} -> ${target.address}`).toMatchObject({
        __typename: 'ForbiddenError',
        code: 'FORBIDDEN',
      });
    }
    expect(await factorRows(tenant, everyone)).toEqual(before);

    // The owner resets an administrator's.
    expect(await mutate('disableSecondFactor', { userId: otherAdmin.id, password: PASSWORD }, owner.token, client)).toMatchObject({
      __typename: 'DisableSecondFactorSuccess',
    });
  });
});

describe("the owner's policy", () => {
  const POLICY = 'query { viewer { masterAccount { secondFactorPolicy } } }';
  const setPolicy = (token: string, requiredFor: string, client: string) =>
    mutate('setSecondFactorPolicy', { requiredFor }, token, client, '... on SetSecondFactorPolicySuccess { masterAccount { secondFactorPolicy } }');

  it('is set by the owner only, and only by an owner who has a second factor', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const admin = await member(tenant, 'ADMIN');
    const client = freshClient();

    const before = await factorRows(tenant, [owner, admin]);
    expect(await setPolicy(admin.token, 'EVERYONE', client)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await setPolicy(owner.token, 'ADMINS', client)).toMatchObject({ __typename: 'SecondFactorRequiredError', code: 'SECOND_FACTOR_REQUIRED' });
    expect(await factorRows(tenant, [owner, admin])).toEqual(before);
    expect((await gql(POLICY, {}, owner.token, client)).data.viewer.masterAccount.secondFactorPolicy).toBe('NONE');

    await withFactor(owner, client);
    expect(await setPolicy(owner.token, 'ADMINS', client)).toMatchObject({
      __typename: 'SetSecondFactorPolicySuccess',
      masterAccount: { secondFactorPolicy: 'ADMINS' },
    });
    expect((await gql(POLICY, {}, owner.token, client)).data.viewer.masterAccount.secondFactorPolicy).toBe('ADMINS');
    const [event] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.masterAccountId, decodeId(tenant.masterAccountId)), eq(auditEvents.action, 'account.set_second_factor_policy')));
    expect(event?.details).toEqual({ from: 'NONE', to: 'ADMINS' });
  });

  it('leaves a covered session without a factor only viewer, enrolment, confirmation and logOut, from the next request', async () => {
    const tenant = await app.signUp();
    const owner = ownerOf(tenant);
    const admin = await member(tenant, 'ADMIN');
    const person = await member(tenant, 'MEMBER');
    const client = freshClient();
    const apiToken = text(
      (await mutate('createApiToken', { name: 'integration', scopes: ['READ', 'WRITE'] }, admin.token, client, '... on CreateApiTokenSuccess { token }')).token,
    );
    await withFactor(owner, client);
    // The admin's session is in the token cache before the change: the policy must still hold at once.
    const USERS = 'query { viewer { masterAccount { users(first: 5) { totalCount } } } }';
    expect((await gql(USERS, {}, admin.token, client)).errors).toBeUndefined();
    await until('the session to be cached', async () => {
      app.statements.length = 0;
      await gql('query { viewer { scopes } }', {}, admin.token, client);
      return app.statements.length === 0 ? true : undefined;
    });
    expect(await setPolicy(owner.token, 'ADMINS', client)).toMatchObject({ __typename: 'SetSecondFactorPolicySuccess' });

    const refusedCode = (answer: Answer) => answer.errors?.map((error) => error.extensions?.code);
    const before = await factorRows(tenant, [owner, admin, person]);
    // A query, a mutation and a subscription.
    expect(refusedCode(await gql(USERS, {}, admin.token, client))).toEqual(['SECOND_FACTOR_REQUIRED']);
    const mutation = await gql(
      'mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }',
      { input: { userId: person.id, displayName: 'Renamed' } },
      admin.token,
      client,
    );
    expect(refusedCode(mutation)).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(mutation.data).toEqual({});
    expect(mutation.errors?.[0]?.message).toMatch(/enrollSecondFactor/);
    expect(refusedCode(await gql('query ($id: ID!) { node(id: $id) { id } }', { id: person.id }, admin.token, client))).toEqual(['SECOND_FACTOR_REQUIRED']);
    const stream = await proxied.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin.token}`, 'x-forwarded-for': client },
      body: JSON.stringify({ query: 'subscription { ledgerEntryAdded { id } }' }),
    });
    expect(await stream.text()).toContain('SECOND_FACTOR_REQUIRED');
    // Through the viewer only who one is: not what the account holds.
    const sneaky = await gql('query { viewer { user { id ... on User { groups { group { id } } } } } }', {}, admin.token, client);
    expect(refusedCode(sneaky)).toEqual(['SECOND_FACTOR_REQUIRED']);
    const viaFragment = await gql('query { viewer { ...V } } fragment V on Viewer { masterAccount { owner { id } } }', {}, admin.token, client);
    expect(refusedCode(viaFragment)).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(await factorRows(tenant, [owner, admin, person])).toEqual(before);

    const who = await gql(
      'query { viewer { secondFactorMissing scopes user { id role secondFactor aliases { address } } masterAccount { name secondFactorPolicy } } }',
      {},
      admin.token,
      client,
    );
    expect(who.errors).toBeUndefined();
    expect(who.data.viewer).toMatchObject({ secondFactorMissing: true, user: { id: admin.id, role: 'ADMIN', secondFactor: false }, masterAccount: { secondFactorPolicy: 'ADMINS' } });

    // Members are not covered by ADMINS, API tokens by nothing.
    expect((await gql(USERS, {}, person.token, client)).errors).toBeUndefined();
    expect((await gql('query { viewer { secondFactorMissing } }', {}, person.token, client)).data.viewer.secondFactorMissing).toBe(false);
    expect((await gql(USERS, {}, apiToken, client)).errors).toBeUndefined();

    // Enrolling and confirming are open, and then everything is.
    await withFactor(admin, client);
    expect((await gql(USERS, {}, admin.token, client)).errors).toBeUndefined();

    // EVERYONE covers the member too; logOut stays open.
    expect(await setPolicy(owner.token, 'EVERYONE', client)).toMatchObject({ __typename: 'SetSecondFactorPolicySuccess' });
    expect(refusedCode(await gql(USERS, {}, person.token, client))).toEqual(['SECOND_FACTOR_REQUIRED']);
    const fresh = await logIn(person.address, client);
    expect(fresh).toMatchObject({ __typename: 'LogInSuccess' });
    const freshToken = text(fresh.token);
    expect((await gql('query { viewer { secondFactorMissing } }', {}, freshToken, client)).data.viewer.secondFactorMissing).toBe(true);
    expect((await gql('mutation { logOut }', {}, freshToken, client)).data.logOut).toBe(true);

    // Back to NONE: the member works again without a factor.
    expect(await setPolicy(owner.token, 'NONE', client)).toMatchObject({ __typename: 'SetSecondFactorPolicySuccess' });
    expect((await gql(USERS, {}, person.token, client)).errors).toBeUndefined();
  });
});
