import { sql } from 'drizzle-orm';
import { openDatabase } from '../server/db/client.js';
import { runBilling } from '../server/domain/billing.js';

/**
 * `DATABASE_URL=<scratch database> npm run bench:billing [-- --accounts 100000]`: seeds that many
 * paid ENTRY accounts (100 per master account, each with a deposit for one renewal), then times
 * one renewal run over all of them and counts its SQL statements. It adds data: use a scratch
 * database.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('bench:billing needs DATABASE_URL (a scratch PostgreSQL database)\n');
  process.exit(2);
}
const flag = process.argv.indexOf('--accounts');
const accounts = flag > 0 ? Number(process.argv[flag + 1]) : 100_000;
const perMaster = 100;
const masters = Math.ceil(accounts / perMaster);

let statements = 0;
let counting = false;
const database = await openDatabase({ databaseUrl, onQuery: () => counting && statements++ });
const { db } = database;
const run = `bench-${Date.now().toString(36)}`;
const dueAt = new Date(Date.now() - 1000);

const seedStarted = Date.now();
await db.transaction(async (tx) => {
  await tx.execute(sql`
    create temporary table bench_masters on commit drop as
    select gen_random_uuid() as id, g as n from generate_series(1, ${masters}) g`);
  await tx.execute(sql`insert into master_accounts (id, name) select id, ${run} || '-' || n from bench_masters`);
  await tx.execute(sql`
    create temporary table bench_users on commit drop as
    select gen_random_uuid() as id, m.id as master_account_id, m.n, u as k
    from bench_masters m, generate_series(0, ${perMaster}) u`);
  await tx.execute(sql`
    insert into users (id, master_account_id, display_name, plan, role, paid_through)
    select id, master_account_id, 'Bench ' || k, 'ENTRY', case when k = 0 then 'OWNER'::user_role else 'MEMBER'::user_role end,
           case when k = 0 then null else ${dueAt.toISOString()}::timestamptz - (k || ' seconds')::interval end
    from bench_users where k = 0 or (n - 1) * ${perMaster} + k <= ${accounts}`);
  await tx.execute(sql`
    insert into addresses (address, master_account_id, user_id, kind)
    select ${run} || '-' || n || '-' || k || '@mailadmin.test', master_account_id, id, 'PRIMARY'
    from bench_users where k = 0 or (n - 1) * ${perMaster} + k <= ${accounts}`);
  await tx.execute(sql`
    insert into ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description, idempotency_key)
    select id, 'DEPOSIT', ${perMaster * 250}, ${perMaster * 250}, 'bench deposit', ${run} from bench_masters`);
});
const seedMs = Date.now() - seedStarted;

counting = true;
const started = process.hrtime.bigint();
const result = await runBilling(db, new Date());
const runMs = Number(process.hrtime.bigint() - started) / 1e6;
counting = false;

process.stdout.write(
  `${JSON.stringify({ accounts, masterAccounts: masters, seedMs, runMs: Math.round(runMs), charged: result.charged, pastDue: result.pastDue, lowBalanceNotices: result.events.notices.length, statements }, null, 2)}\n`,
);
await database.close();
