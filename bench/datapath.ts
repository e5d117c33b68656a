import { asc } from 'drizzle-orm';
import { openDatabase } from '../server/db/client.js';
import { listGroups, listResources } from '../server/domain/groups.js';
import { listUsers } from '../server/domain/user-directory.js';
import { masterAccounts } from '../server/db/tables.js';

/**
 * CPU milliseconds of W1's reads alone: the three pages the account overview reads, through the
 * domain functions, without GraphQL or HTTP, 10 at a time. Against profile.ts' figure for W1 it
 * splits ours' cost between reading the rows and answering with them. Run after `npm run bench`
 * has seeded the database; add --cpu-prof to node for a profile:
 *   node --import tsx datapath.ts [seconds]
 */
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/mailadmin_bench';
const seconds = Number(process.argv[2] ?? 5);
const database = await openDatabase({ databaseUrl: url, migrate: false });
const { db } = database;
const accounts = (await db.select({ id: masterAccounts.id }).from(masterAccounts).orderBy(asc(masterAccounts.id)).limit(50)).map((row) => row.id);

async function overview(i: number): Promise<void> {
  const account = accounts[i % accounts.length];
  if (!account) throw new Error('the database holds no master account: run npm run bench first');
  await Promise.all([
    listUsers(db, account, { first: 20 }, null, null, true, true),
    listGroups(db, account, { first: 10 }, true),
    listResources(db, account, { first: 10 }, true),
  ]);
}

for (let i = 0; i < 200; i++) await overview(i);
const cpu = process.cpuUsage();
const wall = performance.now();
let sent = 0;
while (performance.now() - wall < seconds * 1000) {
  await Promise.all(Array.from({ length: 10 }, (_, k) => overview(sent + k)));
  sent += 10;
}
const used = process.cpuUsage(cpu);
process.stdout.write(`W1 reads: ${sent} in ${seconds} s, ${((used.user + used.system) / 1000 / sent).toFixed(3)} CPU ms each\n`);
await database.close();
