import { encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, Kind, parse, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createContext } from '../server/context.js';
import { loadConfig } from '../server/config.js';
import { createDnsLookup } from '../server/domain/dns.js';
import { listGroups } from '../server/domain/groups.js';
import { listUsers } from '../server/domain/user-directory.js';
import { createEvents } from '../server/pubsub.js';
import { SubscriptionGuard } from '../server/subscription-guard.js';
import { globalIdOf } from '../server/schema/ids.js';
import { schema } from '../server/schema/index.js';
import { decodeId, MAIL_DOMAIN, startApp, unique } from './harness.js';

/**
 * Fields an answer has many of resolve at once when their data is at hand: a promise per object
 * sends each through the executor's asynchronous path, which cost the account overview (80 ids,
 * 20 lists of aliases, 10 member counts) about a fifth of its CPU.
 */
const app = await startApp();

const isThenable = (value: unknown) => typeof (value as { then?: unknown } | null)?.then === 'function';

function resolverOf(typename: string, field: string) {
  const type = schema.getType(typename);
  const resolve = isObjectType(type) ? type.getFields()[field]?.resolve : undefined;
  if (!resolve) throw new Error(`${typename}.${field} has no resolver`);
  return resolve;
}

/** What a resolver reads of its info: the field's node as a document selects it. */
function infoOf(selection: string): GraphQLResolveInfo {
  const [operation] = parse(`{ ${selection} }`).definitions;
  const field = operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections[0] : undefined;
  if (field?.kind !== Kind.FIELD) throw new Error('not a field');
  const info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'> = { fieldNodes: [field satisfies FieldNode], fragments: {} };
  return info as GraphQLResolveInfo;
}

async function contextOf(token: string) {
  const config = { ...loadConfig({}), mailDomain: MAIL_DOMAIN };
  const services = { db: app.database.db, config, dns: createDnsLookup([]), events: createEvents(), subscriptions: new SubscriptionGuard(app.database.db) };
  return createContext(services, new Request('http://test/graphql', { headers: { authorization: `Bearer ${token}` } }));
}

describe('fields of every object in a page', () => {
  it("give each node type's id at once, as the global ID of the relay plugin", () => {
    const id = '0f6a3c2e-4b1d-4e8a-9c7f-2d5b8e1a6c3f';
    const nodeTypes = Object.values(schema.getTypeMap()).filter(
      (type) => isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node'),
    );
    expect(nodeTypes.map((type) => type.name).sort()).toEqual(
      ['Alias', 'ApiToken', 'AuditEvent', 'Domain', 'Group', 'LedgerEntry', 'MasterAccount', 'Session', 'SharedResource', 'User'].sort(),
    );
    for (const type of nodeTypes) {
      const resolved = resolverOf(type.name, 'id')({ id }, {}, undefined, infoOf('id'));
      expect(resolved).toBe(encodeGlobalID(type.name, id));
    }
    for (const other of ['', 'not a uuid: ~', 'zoë', '名前', '\u0000', '\u007f\u0080\u00ff']) expect(globalIdOf('User', other)).toBe(encodeGlobalID('User', other));
  });

  it("give the aliases a page of users brought, and the member counts a page of groups brought, without a promise", async () => {
    const tenant = await app.signUp();
    const alias = `${unique('sync')}@${MAIL_DOMAIN}`.toLowerCase();
    const added = await app.gql(
      'mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename ... on Error { message } } }',
      { input: { userId: tenant.ownerId, address: alias } },
      tenant.token,
    );
    expect(added.data.addAlias).toEqual({ __typename: 'AddAliasSuccess' });
    const created = await app.gql(
      'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { ... on CreateGroupSuccess { group { id } } } }',
      { input: { name: unique('Group'), memberIds: [tenant.ownerId] } },
      tenant.token,
    );
    const groupId = decodeId(String(created.data.createGroup?.group?.id));
    const context = await contextOf(tenant.token);
    const ownerId = decodeId(tenant.ownerId);
    const masterAccountId = decodeId(tenant.masterAccountId);

    const users = await listUsers(app.database.db, masterAccountId, { first: 10 }, null, null, false, true);
    const owner = users.edges.find((edge) => edge.node.id === ownerId)?.node;
    const aliases = resolverOf('User', 'aliases')(owner, {}, context, infoOf('aliases { address }'));
    expect(isThenable(aliases)).toBe(false);
    expect(aliases).toMatchObject([{ address: alias, userId: ownerId }]);

    const groups = await listGroups(app.database.db, masterAccountId, { first: 10 }, false);
    const group = groups.edges.find((edge) => edge.node.id === groupId)?.node;
    const members = resolverOf('Group', 'members')(group, {}, context, infoOf('members { totalCount }'));
    expect(isThenable(members)).toBe(false);
    const total = (members as { totalCount: () => unknown }).totalCount();
    expect(total).toBe(1);
    // Page arguments are checked as for a page that reads its rows.
    expect(() => resolverOf('Group', 'members')(group, { first: 0 }, context, infoOf('members(first: 0) { totalCount }'))).toThrow(
      expect.objectContaining({ field: 'first' }),
    );
    // Asking for the members themselves reads them.
    const read = resolverOf('Group', 'members')(group, {}, context, infoOf('members { edges { node { id } } }'));
    expect(isThenable(read)).toBe(true);
    await expect(read).resolves.toMatchObject({ edges: [{ node: { id: ownerId } }] });
  });
});
