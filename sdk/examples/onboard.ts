/**
 * Onboards a small team with the SDK's methods alone (no GraphQL in this file):
 *
 *   npm run build --workspace sdk
 *   npx tsx sdk/examples/onboard.ts http://localhost:4000/graphql [token]
 *
 * Without a token it signs up a new master account first and prints its session token. Then it
 * tops up the deposit, creates three ENTRY users with an alias each, puts them in a group that
 * shares a calendar, and prints the balance, the users and what each of them can open.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type MailadminClient } from '@mailadmin/sdk';

const [url, givenToken] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: npx tsx sdk/examples/onboard.ts <graphql url> [token]\n');
  process.exit(2);
}

/** Every member of a result union other than its Success type is an error with a message. */
function failed(step: string, result: { __typename: string; message: string }): Error {
  return new Error(`${step}: ${result.__typename}: ${result.message}`);
}

const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const password = () => randomBytes(12).toString('base64url');

async function signIn(): Promise<{ client: MailadminClient; domain: string }> {
  if (givenToken) {
    const client = createClient({ url, token: givenToken });
    const viewer = await client.viewer();
    if (!viewer) throw new Error('the token signs nobody in');
    // New addresses go on the owner's domain.
    return { client, domain: viewer.user.address.split('@')[1] ?? 'mailadmin.test' };
  }
  const domain = process.env.MAIL_DOMAIN ?? 'mailadmin.test';
  const signedUp = await createClient({ url }).signUp({
    organizationName: `Example Team ${suffix}`,
    ownerAddress: `owner-${suffix}@${domain}`,
    ownerDisplayName: 'Olivia Owner',
    password: password(),
    plan: 'ENTRY',
  });
  if (signedUp.__typename !== 'SignUpSuccess') throw failed('sign up', signedUp);
  process.stdout.write(`Signed up ${signedUp.viewer.masterAccount.name}; session token: ${signedUp.token}\n`);
  return { client: createClient({ url, token: signedUp.token }), domain };
}

const { client, domain } = await signIn();

// Three ENTRY users cost 3 x 2.50 EUR for their first 30 days. The SDK adds an idempotency key,
// so a retried deposit is recorded once.
const deposit = await client.addDeposit({ amount: '20.00' });
if (deposit.__typename !== 'AddDepositSuccess') throw failed('deposit', deposit);
process.stdout.write(`Deposited ${deposit.ledgerEntry.amount.amount} ${deposit.ledgerEntry.amount.currency}\n`);

const team = [
  { name: 'Ada Lovelace', local: 'ada', alias: 'countess' },
  { name: 'Grace Hopper', local: 'grace', alias: 'amazing.grace' },
  { name: 'Alan Turing', local: 'alan', alias: 'enigma' },
];
const userIds: string[] = [];
for (const person of team) {
  const created = await client.createUser({
    address: `${person.local}-${suffix}@${domain}`,
    displayName: person.name,
    plan: 'ENTRY',
    password: password(),
  });
  if (created.__typename !== 'CreateUserSuccess') throw failed(`create ${person.name}`, created);
  userIds.push(created.user.id);
  const alias = await client.addAlias({ userId: created.user.id, address: `${person.alias}-${suffix}@${domain}` });
  if (alias.__typename !== 'AddAliasSuccess') throw failed(`alias for ${person.name}`, alias);
}

// The team shares a calendar: Ada owns it, the group may write to it.
const group = await client.createGroup({ name: `Team ${suffix}`, memberIds: userIds });
if (group.__typename !== 'CreateGroupSuccess') throw failed('group', group);
const [ada] = userIds;
if (!ada) throw new Error('the team is empty');
const calendar = await client.createResource({ kind: 'CALENDAR', name: 'Team calendar', ownerId: ada });
if (calendar.__typename !== 'CreateResourceSuccess') throw failed('calendar', calendar);
const share = await client.shareResource({ resourceId: calendar.resource.id, groupId: group.group.id, permission: 'WRITE' });
if (share.__typename !== 'ShareResourceSuccess') throw failed('share', share);

const viewer = await client.viewer();
if (!viewer) throw new Error('the session ended');
const { balance } = viewer.masterAccount;
process.stdout.write(`Balance: ${balance.amount} ${balance.currency}\n`);
for await (const user of client.paginate(client.users, { first: 50 })) {
  const aliases = user.aliases.map((alias) => alias.address).join(', ') || '-';
  process.stdout.write(`${user.plan.padEnd(5)} ${user.role.padEnd(6)} ${user.address}  ${user.displayName}  aliases: ${aliases}\n`);
  for (const access of await client.access(user.id)) {
    process.stdout.write(`      can open ${access.resource.kind} "${access.resource.name}" with ${access.permission}\n`);
  }
}
