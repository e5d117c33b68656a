/**
 * One mailbox, one name (issue 22). `+` is the sub-address separator (RFC 5233): mail to
 * `ada+news@` reaches `ada@`. So no primary address, alias or mailing-list address may contain it,
 * or another tenant could take `ada+news@` and catch mail meant for ada; a mailing list's outside
 * members may. Every refusal is a ValidationError naming its field, and writes nothing.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addresses, masterAccounts } from '../server/db/tables.js';
import { isReservedLocalPart } from '../server/domain/addresses.js';
import { items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';
import { tenantRows } from './tenant-rows.js';

const app = await startApp();
const db = app.database.db;

const ERROR = `__typename ... on Error { code message } ... on ValidationError { field }`;
const USER = 'id address kind listMembers aliases { address }';

const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  ${ERROR} ... on CreateUserSuccess { user { ${USER} } }
} }`;
const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) {
  ${ERROR} ... on UpdateUserSuccess { user { ${USER} } }
} }`;
const ADD_ALIAS = `mutation ($input: AddAliasInput!) { addAlias(input: $input) {
  ${ERROR} ... on AddAliasSuccess { alias { address } }
} }`;
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ${ERROR} ... on SignUpSuccess { token } } }`;

async function mutation(query: string, input: Record<string, unknown>, token?: string): Promise<Loose> {
  const result = await app.gql(query, { input }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  const [payload] = Object.values(result.data);
  return payload;
}

/** A fresh local part on the provider's domain. */
function local(prefix: string): string {
  return unique(prefix).toLowerCase();
}

function refusedFor(field: string) {
  return { __typename: 'ValidationError', code: 'VALIDATION', field, message: expect.stringMatching(/\+.*sub-address separator/) };
}

describe('"+" in an address of ours', () => {
  it.each([
    ['a person', { kind: 'PERSON', password: PASSWORD }],
    ['a mailing list', { kind: 'MAILING_LIST', listMembers: ['member@example.org'] }],
  ])('createUser refuses it in the address of %s, writing nothing', async (_what, kind) => {
    const tenant = await app.signUp();
    const before = await tenantRows(db, tenant.masterAccountId);
    for (const address of [`${local('ada')}+news@${MAIL_DOMAIN}`, `${local('Ada')}+News@${MAIL_DOMAIN.toUpperCase()}`, `+${local('x')}@${MAIL_DOMAIN}`]) {
      const payload = await mutation(CREATE_USER, { address, displayName: 'Ada', plan: 'ENTRY', ...kind }, tenant.token);
      expect({ address, payload }).toEqual({ address, payload: refusedFor('address') });
    }
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
  });

  it('addAlias refuses it, writing nothing; the same name without it is taken as usual', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const name = local('ada');
    const before = await tenantRows(db, tenant.masterAccountId);
    const payload = await mutation(ADD_ALIAS, { userId: user.id, address: `${name}+news@${MAIL_DOMAIN}` }, tenant.token);
    expect(payload).toEqual(refusedFor('address'));
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);

    expect(await mutation(ADD_ALIAS, { userId: user.id, address: `${name}@${MAIL_DOMAIN}` }, tenant.token)).toEqual({
      __typename: 'AddAliasSuccess',
      alias: { address: `${name}@${MAIL_DOMAIN}` },
    });
  });

  it("another tenant cannot take a sub-address of someone's address", async () => {
    const ada = await app.signUp();
    const stranger = await app.signUp();
    const strangerUser = await app.createUser(stranger);
    const adaLocal = ada.ownerAddress.slice(0, ada.ownerAddress.indexOf('@'));
    const before = await tenantRows(db, stranger.masterAccountId);
    const sub = `${adaLocal}+news@${MAIL_DOMAIN}`;
    expect(await mutation(ADD_ALIAS, { userId: strangerUser.id, address: sub }, stranger.token)).toEqual(refusedFor('address'));
    expect(
      await mutation(CREATE_USER, { address: sub, displayName: 'Not Ada', password: PASSWORD, plan: 'FREE' }, stranger.token),
    ).toEqual(refusedFor('address'));
    expect(await tenantRows(db, stranger.masterAccountId)).toEqual(before);
    expect(await db.select().from(addresses).where(eq(addresses.address, sub))).toEqual([]);
  });

  it('signUp refuses it in ownerAddress, creating no master account', async () => {
    const organizationName = unique('org');
    const ownerAddress = `${local('owner')}+tag@${MAIL_DOMAIN}`;
    const payload = await mutation(SIGN_UP, { organizationName, ownerAddress, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' });
    expect(payload).toEqual(refusedFor('ownerAddress'));
    expect(await db.select().from(masterAccounts).where(eq(masterAccounts.name, organizationName))).toEqual([]);
    expect(await db.select().from(addresses).where(eq(addresses.address, ownerAddress))).toEqual([]);
  });

  it('a reserved name with a sub-address is refused too', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const before = await tenantRows(db, tenant.masterAccountId);
    for (const address of [`postmaster+x@${MAIL_DOMAIN}`, `Abuse+Reports@${MAIL_DOMAIN}`]) {
      expect(await mutation(ADD_ALIAS, { userId: user.id, address }, tenant.token)).toEqual(refusedFor('address'));
    }
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
    // Compared as a mail system compares it: in any case and without the sub-address; a dot makes another mailbox.
    expect(['postmaster', 'postmaster+x', 'abuse+', 'webmaster+a+b', 'hostmaster'].map(isReservedLocalPart)).toEqual([true, true, true, true, true]);
    expect(['post.master', 'postmasters', 'x+postmaster', 'abuse-team'].map(isReservedLocalPart)).toEqual([false, false, false, false]);
  });
});

describe('"+" in an outside address', () => {
  async function mailingList(tenant: Tenant, listMembers: string[]): Promise<Loose> {
    return mutation(CREATE_USER, { address: `${local('list')}@${MAIL_DOMAIN}`, displayName: 'List', plan: 'FREE', kind: 'MAILING_LIST', listMembers }, tenant.token);
  }

  it('a mailing list may have members with sub-addresses, at creation and later', async () => {
    const tenant = await app.signUp();
    const created = await mailingList(tenant, ['Ada+News@Example.org', 'bob@example.org']);
    expect(created).toMatchObject({ __typename: 'CreateUserSuccess', user: { kind: 'MAILING_LIST', listMembers: ['ada+news@example.org', 'bob@example.org'] } });

    const updated = await mutation(UPDATE_USER, { userId: text(created.user.id), listMembers: [`${local('carol')}+lists@${MAIL_DOMAIN}`] }, tenant.token);
    expect(updated.__typename).toBe('UpdateUserSuccess');
    expect(items(updated.user.listMembers)).toEqual([expect.stringMatching(/^carol-.*\+lists@mailadmin\.test$/)]);
  });

  it('a member must still be an address: the error names the member', async () => {
    const tenant = await app.signUp();
    const before = await tenantRows(db, tenant.masterAccountId);
    const refused = await mailingList(tenant, ['ok+tag@example.org', 'not an address']);
    expect(refused).toMatchObject({ __typename: 'ValidationError', field: 'listMembers[1]' });
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
  });
});
