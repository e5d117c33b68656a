import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  ForbiddenError,
  graphql,
  MailadminError,
  NetworkError,
  NotFoundError,
  SecondFactorRequiredError,
  ServerError,
  UnauthenticatedError,
  type MailadminClient,
  type Plan,
} from '../sdk/src/index.js';
import { startDnsServer } from './dns-server.js';
import { buildSdk } from './sdk-build.js';
import { MAIL_DOMAIN, PASSWORD, unique } from './harness.js';
import { startServer } from './process.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// A loopback DNS server with no records, so verifyDomain fails the same way on every machine.
const dns = await startDnsServer();
const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-sdk-test-'));
const server = await startServer({ DATA_DIR: dataDir, DNS_SERVERS: dns.address });
const url = `${server.url}/graphql`;
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await dns.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const anonymous = createClient({ url });

interface Tenant {
  client: MailadminClient;
  token: string;
  ownerId: string;
  ownerAddress: string;
}

/** Signs up a fresh master account through the SDK, with no deposit. */
async function signUp(plan: Plan = 'ENTRY'): Promise<Tenant> {
  const ownerAddress = `${unique('owner')}@${MAIL_DOMAIN}`;
  const result = await anonymous.signUp({
    organizationName: unique('org'),
    ownerAddress,
    ownerDisplayName: 'Owner',
    password: PASSWORD,
    plan,
  });
  if (result.__typename !== 'SignUpSuccess') throw new Error(`signUp failed: ${result.__typename} ${result.message}`);
  return { client: createClient({ url, token: result.token }), token: result.token, ownerId: result.viewer.user.id, ownerAddress };
}

/** Creates a user through the SDK and returns it; fails the test on any other member of the union. */
async function createUser(tenant: Tenant, plan: Plan = 'FREE', displayName = 'A User') {
  const result = await tenant.client.createUser({ address: `${unique('user')}@${MAIL_DOMAIN}`, displayName, plan, password: PASSWORD });
  if (result.__typename !== 'CreateUserSuccess') throw new Error(`createUser failed: ${result.__typename} ${result.message}`);
  return result.user;
}

/** Every node of a list, collected through paginate(). */
async function collect<Node>(nodes: AsyncIterable<Node>): Promise<Node[]> {
  const all: Node[] = [];
  for await (const node of nodes) all.push(node);
  return all;
}

describe('accounts, sessions and API tokens', () => {
  it('signs up, logs in and out, and returns domain errors instead of throwing them', async () => {
    const tenant = await signUp();

    const taken = await anonymous.signUp({
      organizationName: unique('org'),
      ownerAddress: tenant.ownerAddress,
      ownerDisplayName: 'Someone else',
      password: PASSWORD,
      plan: 'ENTRY',
    });
    expect(taken.__typename).toBe('AddressTakenError');

    const wrong = await anonymous.logIn({ address: tenant.ownerAddress, password: 'not the password' });
    expect(wrong).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });

    const loggedIn = await anonymous.logIn({ address: tenant.ownerAddress.toUpperCase(), password: PASSWORD });
    if (loggedIn.__typename !== 'LogInSuccess') throw new Error(`logIn failed: ${loggedIn.__typename}`);
    expect(loggedIn.viewer.user).toMatchObject({ id: tenant.ownerId, role: 'OWNER' });

    const session = createClient({ url, token: loggedIn.token });
    const viewer = await session.viewer();
    expect(viewer?.user.address).toBe(tenant.ownerAddress);
    expect(viewer?.scopes).toEqual(expect.arrayContaining(['READ', 'WRITE', 'BILLING']));

    expect(await session.logOut()).toBe(true);
    await expect(session.viewer()).rejects.toBeInstanceOf(UnauthenticatedError);
    // The other session is untouched.
    expect((await tenant.client.viewer())?.user.id).toBe(tenant.ownerId);
    expect(await anonymous.viewer()).toBeNull();
  });

  it('creates a READ-only API token that is forbidden to mutate, and revokes it', async () => {
    const tenant = await signUp();
    const created = await tenant.client.createApiToken({ name: 'HR reader', scopes: ['READ'] });
    if (created.__typename !== 'CreateApiTokenSuccess') throw new Error(`createApiToken failed: ${created.__typename}`);
    expect(created.token).toMatch(/^mat_/);
    expect(created.apiToken).toMatchObject({ name: 'HR reader', scopes: ['READ'], revokedAt: null });

    const reader = createClient({ url, token: created.token });
    expect((await reader.viewer())?.scopes).toEqual(['READ']);
    const forbidden = await reader
      .createUser({ address: `${unique('user')}@${MAIL_DOMAIN}`, displayName: 'Nope', plan: 'FREE', password: PASSWORD })
      .catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect(forbidden).toBeInstanceOf(MailadminError);
    expect(forbidden).toMatchObject({ name: 'ForbiddenError', operationName: 'CreateUser', code: 'FORBIDDEN' });
    expect((forbidden as ForbiddenError).message).toMatch(/^CreateUser: .*scope/);

    const node = await tenant.client.node(created.apiToken.id);
    if (node?.__typename !== 'ApiToken') throw new Error(`expected the ApiToken, got ${node?.__typename}`);
    expect(node.name).toBe('HR reader');

    const revoked = await tenant.client.revokeApiToken({ apiTokenId: created.apiToken.id });
    if (revoked.__typename !== 'RevokeApiTokenSuccess') throw new Error(`revokeApiToken failed: ${revoked.__typename}`);
    expect(revoked.apiToken.revokedAt).not.toBeNull();
    await expect(reader.viewer()).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('authority inside the account', () => {
  it('lists sessions, ends a stolen one, and hands the account to an administrator', async () => {
    const tenant = await signUp();
    const deposited = await tenant.client.addDeposit({ amount: '50.00' });
    if (deposited.__typename !== 'AddDepositSuccess') throw new Error(`addDeposit failed: ${deposited.__typename}`);
    const loggedIn = await anonymous.logIn({ address: tenant.ownerAddress, password: PASSWORD });
    if (loggedIn.__typename !== 'LogInSuccess') throw new Error(`logIn failed: ${loggedIn.__typename}`);
    const stolen = createClient({ url, token: loggedIn.token });

    const sessions = await tenant.client.sessions({ userId: tenant.ownerId, first: 10 });
    expect(sessions.totalCount).toBe(2);
    const current = sessions.edges.filter((edge) => edge.node.current);
    expect(current).toHaveLength(1);
    const other = sessions.edges.find((edge) => !edge.node.current)?.node;
    if (!other) throw new Error('the second session is not listed');
    expect(other.expiresAt).toEqual(expect.any(String));

    const revoked = await tenant.client.revokeSessions({ userId: tenant.ownerId, sessionIds: [other.id] });
    if (revoked.__typename !== 'RevokeSessionsSuccess') throw new Error(`revokeSessions failed: ${revoked.__typename}`);
    expect(revoked.revokedCount).toBe(1);
    await expect(stolen.viewer()).rejects.toBeInstanceOf(UnauthenticatedError);

    const created = await tenant.client.createUser({ address: `${unique('heir')}@${MAIL_DOMAIN}`, displayName: 'Heir', plan: 'ENTRY', role: 'ADMIN', password: PASSWORD });
    if (created.__typename !== 'CreateUserSuccess') throw new Error(`createUser failed: ${created.__typename}`);
    const wrong = await tenant.client.transferOwnership({ newOwnerId: created.user.id, password: 'not the password' });
    expect(wrong).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
    const transferred = await tenant.client.transferOwnership({ newOwnerId: created.user.id, password: PASSWORD });
    if (transferred.__typename !== 'TransferOwnershipSuccess') throw new Error(`transferOwnership failed: ${transferred.__typename}`);
    expect(transferred.newOwner).toMatchObject({ id: created.user.id, role: 'OWNER' });
    expect(transferred.previousOwner).toMatchObject({ id: tenant.ownerId, role: 'ADMIN' });
    expect(transferred.ledgerEntry?.amount.minorUnits).toBe(-250);

    const suspended = await tenant.client.updateUser({ userId: created.user.id, status: 'SUSPENDED', suspensionReason: 'no' });
    expect(suspended).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
  });
});

describe('second factors', () => {
  /** The code an authenticator app shows for a time step (30 s each). */
  const codeFor = (secret: string, step: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * 30_000 });

  it('enrols, confirms, and logs in through SecondFactorRequired and completeLogIn', async () => {
    const tenant = await signUp();
    const enrolled = await tenant.client.enrollSecondFactor({ password: PASSWORD });
    if (enrolled.__typename !== 'EnrollSecondFactorSuccess') throw new Error(`enrollSecondFactor failed: ${enrolled.__typename}`);
    expect(enrolled.otpauthUri).toMatch(/^otpauth:\/\/totp\/mailadmin:/);
    const step = Math.floor(Date.now() / 30_000);
    const confirmed = await tenant.client.confirmSecondFactor({ code: codeFor(enrolled.secret, step) });
    if (confirmed.__typename !== 'ConfirmSecondFactorSuccess') throw new Error(`confirmSecondFactor failed: ${confirmed.__typename}`);
    expect(confirmed.recoveryCodes).toHaveLength(10);

    const loggedIn = await anonymous.logIn({ address: tenant.ownerAddress, password: PASSWORD });
    if (loggedIn.__typename !== 'SecondFactorRequired') throw new Error(`expected SecondFactorRequired, got ${loggedIn.__typename}`);
    expect(Date.parse(loggedIn.expiresAt)).toBeGreaterThan(Date.now());
    const completed = await anonymous.completeLogIn({ challenge: loggedIn.challenge, code: codeFor(enrolled.secret, step + 1) });
    if (completed.__typename !== 'LogInSuccess') throw new Error(`completeLogIn failed: ${completed.__typename}`);
    expect(completed.viewer.user.id).toBe(tenant.ownerId);
    expect((await createClient({ url, token: completed.token }).viewer())?.user.id).toBe(tenant.ownerId);

    // The same code again, with a new challenge: refused, as a domain error.
    const again = await anonymous.logIn({ address: tenant.ownerAddress, password: PASSWORD });
    if (again.__typename !== 'SecondFactorRequired') throw new Error(`expected SecondFactorRequired, got ${again.__typename}`);
    expect(await anonymous.completeLogIn({ challenge: again.challenge, code: codeFor(enrolled.secret, step + 1) })).toMatchObject({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
    });
  });

  it("throws SecondFactorRequiredError to a session the owner's policy covers, until it enrols", async () => {
    const tenant = await signUp();
    const enrolled = await tenant.client.enrollSecondFactor({ password: PASSWORD });
    if (enrolled.__typename !== 'EnrollSecondFactorSuccess') throw new Error(`enrollSecondFactor failed: ${enrolled.__typename}`);
    await tenant.client.confirmSecondFactor({ code: codeFor(enrolled.secret, Math.floor(Date.now() / 30_000)) });
    const created = await tenant.client.createUser({ address: `${unique('admin')}@${MAIL_DOMAIN}`, displayName: 'Admin', plan: 'FREE', password: PASSWORD, role: 'ADMIN' });
    if (created.__typename !== 'CreateUserSuccess') throw new Error(`createUser failed: ${created.__typename}`);
    const loggedIn = await anonymous.logIn({ address: created.user.address, password: PASSWORD });
    if (loggedIn.__typename !== 'LogInSuccess') throw new Error(`logIn failed: ${loggedIn.__typename}`);
    const admin = createClient({ url, token: loggedIn.token });

    const policy = await tenant.client.setSecondFactorPolicy({ requiredFor: 'ADMINS' });
    if (policy.__typename !== 'SetSecondFactorPolicySuccess') throw new Error(`setSecondFactorPolicy failed: ${policy.__typename}`);
    expect(policy.masterAccount.secondFactorPolicy).toBe('ADMINS');

    const refused = await admin.users().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SecondFactorRequiredError);
    expect(refused).toMatchObject({ operationName: 'Users', code: 'SECOND_FACTOR_REQUIRED' });
    expect((await admin.enrollSecondFactor({ password: PASSWORD })).__typename).toBe('EnrollSecondFactorSuccess');

    const reset = await tenant.client.disableSecondFactor({ userId: created.user.id, password: PASSWORD });
    if (reset.__typename !== 'DisableSecondFactorSuccess') throw new Error(`disableSecondFactor failed: ${reset.__typename}`);
    expect(reset.user.secondFactor).toBe(false);
  });
});

describe('users and aliases', () => {
  it('creates, updates, upgrades, aliases and deletes a user, narrowing every result', async () => {
    const tenant = await signUp();
    const deposited = await tenant.client.addDeposit({ amount: '50.00' });
    expect(deposited.__typename).toBe('AddDepositSuccess');

    const created = await tenant.client.createUser({
      address: `${unique('ada')}@${MAIL_DOMAIN}`,
      displayName: 'Ada',
      plan: 'ENTRY',
      password: PASSWORD,
      role: 'ADMIN',
    });
    if (created.__typename !== 'CreateUserSuccess') throw new Error(`createUser failed: ${created.__typename}`);
    expect(created.user).toMatchObject({ displayName: 'Ada', plan: 'ENTRY', role: 'ADMIN', status: 'ACTIVE', kind: 'PERSON' });
    expect(created.ledgerEntry).toMatchObject({ kind: 'CHARGE', amount: { amount: '-2.50', minorUnits: -250, currency: 'EUR' } });
    const userId = created.user.id;

    const again = await tenant.client.createUser({ address: created.user.address, displayName: 'Twin', plan: 'FREE', password: PASSWORD });
    expect(again.__typename).toBe('AddressTakenError');
    const invalid = await tenant.client.createUser({ address: 'not an address', displayName: 'X', plan: 'FREE', password: PASSWORD });
    if (invalid.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${invalid.__typename}`);
    expect(invalid.field).toBe('address');

    const updated = await tenant.client.updateUser({ userId, displayName: 'Ada Lovelace' });
    if (updated.__typename !== 'UpdateUserSuccess') throw new Error(`updateUser failed: ${updated.__typename}`);
    expect(updated.user.displayName).toBe('Ada Lovelace');

    const upgraded = await tenant.client.changePlan({ userId, plan: 'PRO' });
    if (upgraded.__typename !== 'ChangePlanSuccess') throw new Error(`changePlan failed: ${upgraded.__typename}`);
    expect(upgraded.user.plan).toBe('PRO');
    expect(upgraded.ledgerEntry?.kind).toBe('PRORATION');

    const aliasAddress = `${unique('lovelace')}@${MAIL_DOMAIN}`;
    const alias = await tenant.client.addAlias({ userId, address: aliasAddress });
    if (alias.__typename !== 'AddAliasSuccess') throw new Error(`addAlias failed: ${alias.__typename}`);
    expect(alias.alias).toMatchObject({ address: aliasAddress, user: { id: userId } });
    const aliasNode = await tenant.client.node(alias.alias.id);
    if (aliasNode?.__typename !== 'Alias') throw new Error(`expected the Alias, got ${aliasNode?.__typename}`);
    expect(aliasNode.address).toBe(aliasAddress);

    const userNode = await tenant.client.node(userId);
    if (userNode?.__typename !== 'User') throw new Error(`expected the User, got ${userNode?.__typename}`);
    expect(userNode.aliases.map((each) => each.address)).toEqual([aliasAddress]);

    const removed = await tenant.client.removeAlias({ aliasId: alias.alias.id });
    if (removed.__typename !== 'RemoveAliasSuccess') throw new Error(`removeAlias failed: ${removed.__typename}`);
    expect(removed.removedAliasId).toBe(alias.alias.id);
    expect(removed.user.aliases).toEqual([]);

    const deleted = await tenant.client.deleteUser({ userId });
    if (deleted.__typename !== 'DeleteUserSuccess') throw new Error(`deleteUser failed: ${deleted.__typename}`);
    expect(deleted.deletedUserId).toBe(userId);
    expect(await tenant.client.node(userId)).toBeNull();
    const gone = await tenant.client.deleteUser({ userId });
    expect(gone).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });

    const actions = (await collect(tenant.client.paginate(tenant.client.auditLog, { first: 5 }))).map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(['account.sign_up', 'billing.deposit', 'user.create', 'user.update', 'user.change_plan', 'alias.add', 'alias.remove', 'user.delete']),
    );
    const page = await tenant.client.auditLog({ first: 2 });
    expect(page.edges).toHaveLength(2);
    expect(page.totalCount).toBe(actions.length);
    const newest = page.edges[0]?.node;
    expect(newest).toMatchObject({ action: 'user.delete', targetId: userId, actor: { id: tenant.ownerId } });
  });

  it('paginates all users across several pages, the owner exactly once', async () => {
    const tenant = await signUp();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await createUser(tenant, 'FREE', `Member ${i}`)).id);

    const first = await tenant.client.users({ first: 3 });
    expect(first.totalCount).toBe(8);
    expect(first.edges).toHaveLength(3);
    expect(first.pageInfo.hasNextPage).toBe(true);

    let pages = 0;
    const users = await collect(
      tenant.client.paginate((variables) => {
        pages += 1;
        return tenant.client.users(variables);
      }, { first: 3 }),
    );
    expect(pages).toBe(3);
    expect(users).toHaveLength(8);
    const ids = users.map((user) => user.id);
    expect(new Set(ids).size).toBe(8);
    expect(ids.filter((id) => id === tenant.ownerId)).toHaveLength(1);
    expect(ids).toEqual(expect.arrayContaining(created));
    expect(users.filter((user) => user.role === 'OWNER')).toHaveLength(1);

    const filtered = await collect(tenant.client.paginate(tenant.client.users, { first: 2, filter: { search: 'Member' }, orderBy: { field: 'DISPLAY_NAME', direction: 'DESC' } }));
    expect(filtered.map((user) => user.displayName)).toEqual(['Member 6', 'Member 5', 'Member 4', 'Member 3', 'Member 2', 'Member 1', 'Member 0']);
  });
});

describe('domains', () => {
  it('adds a domain, fails to verify it without DNS records, lists it and removes it', async () => {
    const tenant = await signUp();
    const name = `${unique('acme')}.example`;
    const added = await tenant.client.addDomain({ name });
    if (added.__typename !== 'AddDomainSuccess') throw new Error(`addDomain failed: ${added.__typename}`);
    expect(added.domain).toMatchObject({ name, status: 'PENDING', verifiedAt: null, verificationRecord: { type: 'TXT' } });
    expect(added.domain.requiredRecords.map((record) => record.type)).toEqual(['MX', 'TXT', 'CNAME', 'TXT']);

    const verified = await tenant.client.verifyDomain({ domainId: added.domain.id });
    if (verified.__typename !== 'VerificationFailedError') throw new Error(`expected VerificationFailedError, got ${verified.__typename}`);
    expect(verified.code).toBe('VERIFICATION_FAILED');
    expect(verified.message).toContain(added.domain.verificationRecord.value);

    const listed = await tenant.client.domains({ first: 10 });
    expect(listed.totalCount).toBe(1);
    expect(listed.edges.map((edge) => edge.node)).toEqual([expect.objectContaining({ id: added.domain.id, status: 'PENDING' })]);

    const removed = await tenant.client.removeDomain({ domainId: added.domain.id });
    if (removed.__typename !== 'RemoveDomainSuccess') throw new Error(`removeDomain failed: ${removed.__typename}`);
    expect(removed.removedDomainId).toBe(added.domain.id);
    expect((await tenant.client.domains()).totalCount).toBe(0);
  });
});

describe('groups and shared resources', () => {
  it('shares a calendar with a group, pages its members and tells what each user can open', async () => {
    const tenant = await signUp('FREE');
    // A FREE owner has no console; the groups API needs a paid owner.
    const paid = await signUp();
    const alice = await createUser(paid, 'FREE', 'Alice');
    const bob = await createUser(paid, 'FREE', 'Bob');
    await expect(tenant.client.groups()).rejects.toBeInstanceOf(ForbiddenError);

    const created = await paid.client.createGroup({ name: 'Sales', memberIds: [alice.id] });
    if (created.__typename !== 'CreateGroupSuccess') throw new Error(`createGroup failed: ${created.__typename}`);
    const group = created.group;
    const taken = await paid.client.createGroup({ name: 'SALES' });
    expect(taken).toMatchObject({ __typename: 'GroupNameTakenError', code: 'GROUP_NAME_TAKEN' });

    const added = await paid.client.addGroupMembers({ groupId: group.id, userIds: [bob.id], role: 'MANAGER' });
    if (added.__typename !== 'AddGroupMembersSuccess') throw new Error(`addGroupMembers failed: ${added.__typename}`);
    expect(added.group.members.totalCount).toBe(2);
    const members = await collect(paid.client.paginate(paid.client.groupMembers, { groupId: group.id, first: 1 }));
    expect(members.map((member) => member.address).sort()).toEqual([alice.address, bob.address].sort());

    const resource = await paid.client.createResource({ kind: 'CALENDAR', name: 'Holidays', ownerId: alice.id });
    if (resource.__typename !== 'CreateResourceSuccess') throw new Error(`createResource failed: ${resource.__typename}`);
    const shared = await paid.client.shareResource({ resourceId: resource.resource.id, groupId: group.id, permission: 'WRITE' });
    if (shared.__typename !== 'ShareResourceSuccess') throw new Error(`shareResource failed: ${shared.__typename}`);
    expect(shared.share.resource.shares).toEqual([{ permission: 'WRITE', group: { id: group.id, name: 'Sales' } }]);

    expect(await paid.client.access(alice.id)).toEqual([
      { permission: 'MANAGE', resource: { id: resource.resource.id, kind: 'CALENDAR', name: 'Holidays' } },
    ]);
    expect(await paid.client.access(bob.id)).toEqual([
      { permission: 'WRITE', resource: { id: resource.resource.id, kind: 'CALENDAR', name: 'Holidays' } },
    ]);

    const unshared = await paid.client.unshareResource({ resourceId: resource.resource.id, groupId: group.id });
    expect(unshared.__typename).toBe('UnshareResourceSuccess');
    expect(await paid.client.access(bob.id)).toEqual([]);
    expect((await paid.client.resources()).edges.map((edge) => edge.node.name)).toEqual(['Holidays']);

    // Another tenant's group and user are not found, never forbidden.
    const stranger = await signUp();
    await expect(stranger.client.groupMembers({ groupId: group.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(stranger.client.access(alice.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const removed = await paid.client.removeGroupMembers({ groupId: group.id, userIds: [alice.id] });
    if (removed.__typename !== 'RemoveGroupMembersSuccess') throw new Error(`removeGroupMembers failed: ${removed.__typename}`);
    expect(removed.group.members.totalCount).toBe(1);
    const deleted = await paid.client.deleteGroup({ groupId: group.id });
    expect(deleted).toMatchObject({ __typename: 'DeleteGroupSuccess', deletedGroupId: group.id });
    expect((await paid.client.groups()).totalCount).toBe(0);
    expect(await paid.client.deleteResource({ resourceId: resource.resource.id })).toMatchObject({ __typename: 'DeleteResourceSuccess' });
  });
});

describe('money', () => {
  it('deposits, sets the threshold, and reads the balance, prices and ledger', async () => {
    const tenant = await signUp();
    const prices = await anonymous.planPrices();
    expect(prices.map((price) => price.plan).sort()).toEqual(['ENTRY', 'FREE', 'PRO']);
    const entry = prices.find((price) => price.plan === 'ENTRY');
    expect(entry?.price).toMatchObject({ currency: 'EUR' });

    const deposit = await tenant.client.addDeposit({ amount: '30.00' });
    if (deposit.__typename !== 'AddDepositSuccess') throw new Error(`addDeposit failed: ${deposit.__typename}`);
    expect(deposit.ledgerEntry).toMatchObject({ kind: 'DEPOSIT', amount: { amount: '30.00' }, balanceAfter: { amount: '30.00' } });
    expect(deposit.masterAccount.balance.minorUnits).toBe(3000);

    // The same key again is the same deposit; another amount with it is a conflict.
    const key = unique('deposit');
    const once = await tenant.client.addDeposit({ amount: '5.00', idempotencyKey: key });
    const twice = await tenant.client.addDeposit({ amount: '5.00', idempotencyKey: key });
    if (once.__typename !== 'AddDepositSuccess' || twice.__typename !== 'AddDepositSuccess') throw new Error('deposit with a key failed');
    expect(twice.ledgerEntry.id).toBe(once.ledgerEntry.id);
    const conflict = await tenant.client.addDeposit({ amount: '6.00', idempotencyKey: key });
    expect(conflict).toMatchObject({ __typename: 'IdempotencyConflictError', code: 'IDEMPOTENCY_CONFLICT' });
    const tooSmall = await tenant.client.addDeposit({ amount: '0.10' });
    expect(tooSmall).toMatchObject({ __typename: 'ValidationError', field: 'amount' });

    const threshold = await tenant.client.setLowBalanceThreshold({ amount: '50.00' });
    if (threshold.__typename !== 'SetLowBalanceThresholdSuccess') throw new Error(`setLowBalanceThreshold failed: ${threshold.__typename}`);
    expect(threshold.masterAccount).toMatchObject({ lowBalanceThreshold: { amount: '50.00' }, lowBalance: true });

    await createUser(tenant, 'ENTRY');
    const viewer = await tenant.client.viewer();
    expect(viewer?.masterAccount.balance.amount).toBe('32.50');
    expect(viewer?.masterAccount.monthlyCost.amount).toBe('2.50');
    expect(viewer?.masterAccount.lowBalance).toBe(true);

    const ledger = await collect(tenant.client.paginate(tenant.client.ledger, { first: 1 }));
    expect(ledger.map((each) => each.kind)).toEqual(['CHARGE', 'DEPOSIT', 'DEPOSIT']);
    const deposits = await tenant.client.ledger({ filter: { kind: 'DEPOSIT' } });
    expect(deposits.totalCount).toBe(2);
  });

  it('retries a deposit whose answer was lost with the same idempotency key, recording it once', async () => {
    const tenant = await signUp();
    const keys: string[] = [];
    let lost = 0;
    const flaky: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { operationName?: string; variables?: { input?: { idempotencyKey?: string } } }) : {};
      if (body.operationName !== 'AddDeposit') return response;
      keys.push(body.variables?.input?.idempotencyKey ?? '');
      if (lost > 0) return response;
      // The server got the request and recorded the deposit; the connection broke before its answer.
      lost += 1;
      await response.text();
      throw new TypeError('fetch failed: other side closed');
    };
    const client = createClient({ url, token: tenant.token, fetch: flaky, retry: { attempts: 2, delayMs: 10 } });

    const deposit = await client.addDeposit({ amount: '25.00' });
    if (deposit.__typename !== 'AddDepositSuccess') throw new Error(`addDeposit failed: ${deposit.__typename}`);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);

    const deposits = await client.ledger({ filter: { kind: 'DEPOSIT' } });
    expect(deposits.totalCount).toBe(1);
    expect(deposits.edges[0]?.node.id).toBe(deposit.ledgerEntry.id);
    expect((await client.viewer())?.masterAccount.balance.amount).toBe('25.00');
  });

  it('delivers the ledger entry of a deposit made while a subscription is open', async () => {
    const tenant = await signUp();
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const watcher = createClient({
      url,
      token: tenant.token,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (response.headers.get('content-type')?.startsWith('text/event-stream')) opened();
        return response;
      },
    });

    const subscription = watcher.subscribe.ledgerEntryAdded();
    const first = subscription.next();
    await open;
    const deposit = await tenant.client.addDeposit({ amount: '12.34' });
    if (deposit.__typename !== 'AddDepositSuccess') throw new Error(`addDeposit failed: ${deposit.__typename}`);

    const received = await first;
    if (received.done) throw new Error('the subscription ended without an event');
    expect(received.value).toMatchObject({ id: deposit.ledgerEntry.id, kind: 'DEPOSIT', amount: { amount: '12.34' } });
    expect(await subscription.return()).toEqual({ done: true, value: undefined });
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });

  it('closes a subscription at once while it is still waiting for an event', async () => {
    const tenant = await signUp();
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const watcher = createClient({
      url,
      token: tenant.token,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        opened();
        return response;
      },
    });
    const subscription = watcher.subscribe.lowBalance();
    const waiting = subscription.next();
    await open;
    await subscription.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});

describe('failures', () => {
  it('throws UnauthenticatedError for an unknown token', async () => {
    const stranger = createClient({ url, token: 'mas_not-a-real-token' });
    const error = await stranger.viewer().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ operationName: 'Viewer', code: 'UNAUTHENTICATED' });
    await expect(stranger.deleteUser({ userId: 'VXNlcjox' })).rejects.toBeInstanceOf(UnauthenticatedError);
    // A list needs a signed-in viewer.
    await expect(anonymous.users()).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("throws the server's error when a subscription is refused", async () => {
    const stranger = createClient({ url, token: 'mas_not-a-real-token' });
    const unknown = await stranger.subscribe.ledgerEntryAdded().next().catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(UnauthenticatedError);
    expect(unknown).toMatchObject({ operationName: 'LedgerEntryAdded', code: 'UNAUTHENTICATED', message: expect.stringContaining('unknown, expired or revoked') });
    // Without any token the subscription is refused before its stream opens, not with a server error.
    const tokenless = await anonymous.subscribe.lowBalance().next().catch((caught: unknown) => caught);
    expect(tokenless).toBeInstanceOf(UnauthenticatedError);
    expect(tokenless).toMatchObject({ operationName: 'LowBalance', code: 'UNAUTHENTICATED' });

    const tenant = await signUp();
    const member = await createUser(tenant, 'FREE', 'Member');
    const loggedIn = await anonymous.logIn({ address: member.address, password: PASSWORD });
    if (loggedIn.__typename !== 'LogInSuccess') throw new Error(`logIn failed: ${loggedIn.__typename}`);
    const memberClient = createClient({ url, token: loggedIn.token });
    const forbidden = await memberClient.subscribe.ledgerEntryAdded().next().catch((caught: unknown) => caught);
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect(forbidden).toMatchObject({ operationName: 'LedgerEntryAdded', code: 'FORBIDDEN', message: expect.stringContaining('administrator') });
  });

  it('throws NetworkError when nothing listens, after the configured retries', async () => {
    const closed = createClient({ url: 'http://127.0.0.1:9/graphql', retry: { attempts: 0 } });
    const error = await closed.planPrices().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ operationName: 'PlanPrices' });
  });

  it('retries queries after a network failure, but not mutations without an idempotency key', async () => {
    const tenant = await signUp();
    const calls: string[] = [];
    const failingOnce = (): typeof fetch => {
      let failed = false;
      return async (input, init) => {
        calls.push(typeof init?.body === 'string' ? ((JSON.parse(init.body) as { operationName?: string }).operationName ?? '') : '');
        if (!failed) {
          failed = true;
          throw new TypeError('fetch failed');
        }
        return fetch(input, init);
      };
    };
    const reader = createClient({ url, token: tenant.token, fetch: failingOnce(), retry: { delayMs: 1 } });
    expect((await reader.viewer())?.user.id).toBe(tenant.ownerId);
    expect(calls).toEqual(['Viewer', 'Viewer']);

    calls.length = 0;
    const writer = createClient({ url, token: tenant.token, fetch: failingOnce(), retry: { delayMs: 1 } });
    await expect(writer.updateUser({ userId: tenant.ownerId, displayName: 'Renamed' })).rejects.toBeInstanceOf(NetworkError);
    expect(calls).toEqual(['UpdateUser']);
  });

  it('throws ServerError for an answer that is not GraphQL', async () => {
    const broken = createClient({
      url,
      fetch: async () => new Response('<html><body>502 Bad Gateway</body></html>', { status: 500, headers: { 'content-type': 'text/html' } }),
    });
    const error = await broken.planPrices().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ operationName: 'PlanPrices', status: 500 });
    expect((error as ServerError).message).toContain('500');
  });
});

describe('request() with a custom document', () => {
  it('runs a document written with graphql(), with and without variables', async () => {
    const tenant = await signUp();
    const user = await createUser(tenant, 'FREE', 'Grace');

    const UserAddress = graphql<{ node: { __typename: string; address?: string } | null }, { id: string }>(`
      query UserAddress($id: ID!) {
        node(id: $id) { __typename ... on User { address } }
      }
    `);
    const found = await tenant.client.request(UserAddress, { id: user.id });
    expect(found.node).toEqual({ __typename: 'User', address: user.address });

    const AccountName = graphql<{ viewer: { masterAccount: { name: string; users: { totalCount: number } } } | null }>(`
      query AccountName { viewer { masterAccount { name users(first: 1) { totalCount } } } }
    `);
    const account = await tenant.client.request(AccountName);
    expect(account.viewer?.masterAccount.users.totalCount).toBe(2);

    const invalid = graphql<{ viewer: unknown }>('query Invalid { viewer { nope } }');
    await expect(tenant.client.request(invalid)).rejects.toMatchObject({ operationName: 'Invalid', message: expect.stringContaining('nope') });
  });
});

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: root, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the onboarding example', () => {
  beforeAll(buildSdk, 120_000);

  it('signs up, deposits, onboards three ENTRY users with an alias each and shares a calendar with them', async () => {
    const result = await run('npx', ['tsx', 'sdk/examples/onboard.ts', url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Signed up .*; session token: mas_/m);
    expect(result.stdout).toMatch(/^Balance: 12\.50 EUR$/m);
    const users = result.stdout.split('\n').filter((line) => line.includes(' aliases: '));
    expect(users).toHaveLength(4);
    expect(users.filter((line) => /^ENTRY OWNER .* aliases: -$/.test(line))).toHaveLength(1);
    expect(users.filter((line) => /^ENTRY MEMBER .* aliases: \S+@\S+$/.test(line))).toHaveLength(3);
    // Ada owns the calendar; the two others reach it through the group.
    const access = result.stdout.split('\n').filter((line) => line.includes('can open'));
    expect(access.map((line) => line.trim()).sort()).toEqual([
      'can open CALENDAR "Team calendar" with MANAGE',
      'can open CALENDAR "Team calendar" with WRITE',
      'can open CALENDAR "Team calendar" with WRITE',
    ]);
  });

  it('onboards into an existing master account given its token', async () => {
    const tenant = await signUp();
    const result = await run('npx', ['tsx', 'sdk/examples/onboard.ts', url, tenant.token]);
    expect(result.code).toBe(0);
    const users = await collect(tenant.client.paginate(tenant.client.users, { first: 10 }));
    expect(users.map((user) => user.plan).sort()).toEqual(['ENTRY', 'ENTRY', 'ENTRY', 'ENTRY']);
    expect(users.filter((user) => user.role !== 'OWNER').every((user) => user.aliases.length === 1)).toBe(true);
    expect((await tenant.client.ledger({ filter: { kind: 'DEPOSIT' } })).totalCount).toBe(1);
  });
});

describe('the second-factor example', () => {
  beforeAll(buildSdk, 120_000);

  it('logs a person in with a code when logIn answers SecondFactorRequired', async () => {
    const tenant = await signUp();
    const enrolled = await tenant.client.enrollSecondFactor({ password: PASSWORD });
    if (enrolled.__typename !== 'EnrollSecondFactorSuccess') throw new Error(`enrollSecondFactor failed: ${enrolled.__typename}`);
    const code = TOTP.generate({ secret: Secret.fromBase32(enrolled.secret) });
    const confirmed = await tenant.client.confirmSecondFactor({ code });
    if (confirmed.__typename !== 'ConfirmSecondFactorSuccess') throw new Error(`confirmSecondFactor failed: ${confirmed.__typename}`);

    // A recovery code: unlike a TOTP code, it cannot collide with the one just used to confirm.
    const env = { MAILADMIN_PASSWORD: PASSWORD, MAILADMIN_CODE: confirmed.recoveryCodes[0] ?? '' };
    const result = await run('npx', ['tsx', 'sdk/examples/second-factor.ts', url, tenant.ownerAddress], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Signed in ${tenant.ownerAddress} \\(OWNER\\); session token: mas_`, 'm'));

    // The recovery code is spent: the same run now fails.
    const spent = await run('npx', ['tsx', 'sdk/examples/second-factor.ts', url, tenant.ownerAddress], env);
    expect(spent.code).not.toBe(0);
    expect(spent.stderr).toMatch(/code is wrong/);
  });
});
