import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

/**
 * The limit: node:http and pg, no GraphQL. It runs the SQL ours needs for each workload — the
 * same statements, as named prepared statements, independent ones sent together and sharing a
 * connection as ours' do — and answers the same JSON as ours. It dispatches on `operationName` and never parses the
 * query text, so the benchmark sends it the very bodies it sends ours.
 */
const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 4001);
// Planned once per connection, as ours' statements are (server/db/autoprepare.ts): the limit
// must not pay for planning that ours no longer pays.
// Pipelined as ours' are (server/db/pipeline.ts): a transaction's BEGIN, its lock and the reads
// behind the lock leave in one write.
const pool = new pg.Pool({
  connectionString,
  max: Number(process.env.POOL_SIZE ?? 10),
  options: '-c plan_cache_mode=force_generic_plan',
  pipeline: true,
});
pool.on('connect', (client) => {
  const query: (config: unknown, values?: unknown, callback?: unknown) => unknown = client.query.bind(client);
  const stream = client.connection.stream;
  let corked = false;
  const batched = (config: unknown, values?: unknown, callback?: unknown) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => {
        corked = false;
        stream.uncork();
      });
    }
    return query(config, values, callback);
  };
  Object.assign(client, { query: batched });
});
/**
 * Reads outside transactions as ours sends them (server/db/pipeline.ts shareConnections): those
 * sent in one turn of the event loop, and any sent while they wait for a connection, leave in one
 * write on one connection.
 */
const reads = (() => {
  type Waiting = { config: pg.QueryConfig; resolve: (result: pg.QueryResult<Row>) => void; reject: (error: unknown) => void };
  let open: Waiting[] | undefined;
  const dispatch = (batch: Waiting[]) =>
    pool.connect((error, client) => {
      if (open === batch) open = undefined;
      if (error || !client) return batch.forEach((waiting) => waiting.reject(error));
      client.connection.stream.cork();
      const answers = batch.map((waiting) => client.query<Row>(waiting.config).then(waiting.resolve, waiting.reject));
      client.connection.stream.uncork();
      void Promise.all(answers).then(() => client.release());
    });
  return {
    query: (config: pg.QueryConfig) =>
      new Promise<pg.QueryResult<Row>>((resolve, reject) => {
        if (!open || open.length >= 32) {
          const batch: Waiting[] = [];
          open = batch;
          setImmediate(() => dispatch(batch));
        }
        open.push({ config, resolve, reject });
      }),
  };
})();

// Ours reads bigints as numbers and timestamps as Date (drizzle's mode: 'number').
pg.types.setTypeParser(20, (value) => Number(value));

type Row = Record<string, unknown>;
type Queryable = { query: (config: pg.QueryConfig) => Promise<pg.QueryResult<Row>> } | pg.PoolClient;

async function run(db: Queryable, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const result = await db.query({ name, text, values });
  return result.rows;
}

const gid = (type: string, id: unknown) => Buffer.from(`${type}:${String(id)}`).toString('base64');
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value);
const money = (cents: unknown) => ({ minorUnits: Number(cents) });
const cents = (amount: string) => {
  const [whole = '0', fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
};
const formatCents = (value: number) => `${Math.trunc(value / 100)}.${String(value % 100).padStart(2, '0')}`;

class ClientError extends Error {}

interface Viewer {
  userId: string;
  masterAccountId: string;
  /** Read with the token, as ours reads the master account. */
  accountName: string;
}

const AUTH = `select t.id, t.last_used_at, u.id as user_id, u.master_account_id, u.role, o.plan as owner_plan, m.name as account_name
  from api_tokens t join users u on u.id = t.user_id join users o on o.master_account_id = u.master_account_id and o.role = $1
  join master_accounts m on m.id = u.master_account_id
  where t.token_hash = $2 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $3) and u.status <> $4`;

interface CachedViewer {
  viewer: Viewer;
  tokenId: unknown;
  lastUsed: number;
}

/**
 * Tokens resolved before, as ours' token cache keeps them (server/domain/token-cache.ts): the
 * limit must not run a lookup ours no longer runs. Neither benchmarked mutation can change what a
 * token resolves to, so ours keeps its entries through them, and so does the limit.
 */
const tokens = new Map<string, CachedViewer>();

async function authenticate(request: IncomingMessage): Promise<Viewer> {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) throw new ClientError('UNAUTHENTICATED');
  const now = new Date();
  const tokenHash = createHash('sha256').update(token).digest('hex');
  let cached = tokens.get(tokenHash);
  if (!cached) {
    const [row] = await run(reads, 'auth', AUTH, ['OWNER', tokenHash, now, 'SUSPENDED']);
    if (!row) throw new ClientError('UNAUTHENTICATED');
    if (row.owner_plan === 'FREE') throw new ClientError('UPGRADE_REQUIRED');
    const viewer = { userId: String(row.user_id), masterAccountId: String(row.master_account_id), accountName: String(row.account_name) };
    cached = { viewer, tokenId: row.id, lastUsed: (row.last_used_at as Date | null)?.getTime() ?? 0 };
    tokens.set(tokenHash, cached);
  }
  if (now.getTime() - cached.lastUsed > 60_000) {
    cached.lastUsed = now.getTime();
    await run(pool, 'touch', 'update api_tokens set last_used_at = $1 where id = $2', [now, cached.tokenId]);
  }
  return cached.viewer;
}

const USER_COLUMNS = `u.id, u.master_account_id, a.address, u.display_name, u.plan, u.status, u.role, u.created_at`;
const PRIMARY = `join addresses a on a.user_id = u.id and a.kind = 'PRIMARY'`;

async function accountOverview(viewer: Viewer) {
  const id = viewer.masterAccountId;
  // First pages count their list in the same statement (a count subquery), as ours' do when totalCount is asked; the
  // users bring their aliases and the groups their member counts, as ours' pages do.
  const [users, groups, resources] = await Promise.all([
    run(
      reads,
      'users_page',
      `select ${USER_COLUMNS}, (select count(*) from users c where c.master_account_id = $1) as total,
        (select coalesce(json_agg(json_build_object('id', h.id, 'address', h.address, 'createdAt', h.created_at) order by h.address), '[]'::json)
          from addresses h where h.user_id = u.id and h.kind = 'ALIAS' and h.released_at is null) as aliases
       from users u ${PRIMARY} where u.master_account_id = $1 order by u.created_at, u.id limit $2`,
      [id, 21],
    ),
    run(
      reads,
      'groups_page',
      `select g.id, g.name, (select count(*) from group_members m where m.group_id = g.id) as members,
        (select count(*) from groups c where c.master_account_id = $1) as total
       from groups g where g.master_account_id = $1 order by g.name, g.id limit $2`,
      [id, 11],
    ),
    run(
      reads,
      'resources_page',
      `select id, name, kind, (select count(*) from shared_resources c where c.master_account_id = $1) as total
       from shared_resources where master_account_id = $1 order by name, id limit $2`,
      [id, 11],
    ),
  ]);
  const pageUsers = users.slice(0, 20);
  const pageGroups = groups.slice(0, 10);
  return {
    viewer: {
      masterAccount: {
        id: gid('MasterAccount', id),
        name: viewer.accountName,
        users: {
          totalCount: Number(users[0]?.total ?? 0),
          edges: pageUsers.map((u) => ({
            node: {
              id: gid('User', u.id),
              address: u.address,
              displayName: u.display_name,
              plan: u.plan,
              status: u.status,
              aliases: (u.aliases as Row[]).map((a) => ({ id: gid('Alias', a.id), address: a.address })),
            },
          })),
        },
        groups: {
          totalCount: Number(groups[0]?.total ?? 0),
          edges: pageGroups.map((g) => ({ node: { id: gid('Group', g.id), name: g.name, members: { totalCount: Number(g.members) } } })),
        },
        resources: {
          totalCount: Number(resources[0]?.total ?? 0),
          edges: resources.slice(0, 10).map((r) => ({ node: { id: gid('SharedResource', r.id), name: r.name, kind: r.kind } })),
        },
      },
    },
  };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

async function userDirectory(viewer: Viewer, variables: Row) {
  const id = viewer.masterAccountId;
  const pattern = `%${escapeLike(String(variables.search).trim().toLowerCase())}%`;
  const where = `u.master_account_id = $1 and (a.address ilike $2 or u.display_name ilike $2)`;
  const [users, [count]] = await Promise.all([
    run(reads, 'directory_page', `select ${USER_COLUMNS} from users u ${PRIMARY} where ${where} order by a.address, u.id limit $3`, [id, pattern, 51]),
    run(reads, 'directory_count', `select count(*) as n from users u ${PRIMARY} where ${where}`, [id, pattern]),
  ]);
  return {
    viewer: {
      masterAccount: {
        users: {
          totalCount: Number(count?.n),
          edges: users.slice(0, 50).map((u) => ({
            node: { id: gid('User', u.id), address: u.address, displayName: u.display_name, plan: u.plan, status: u.status },
          })),
        },
      },
    },
  };
}

const BALANCE = 'select balance_after_cents from ledger_entries where master_account_id = $1 order by seq desc limit 1';

async function ledgerPage(viewer: Viewer) {
  const id = viewer.masterAccountId;
  const [entries, [last]] = await Promise.all([
    run(
      reads,
      'ledger_page',
      'select id, kind, amount_cents, balance_after_cents, description, created_at from ledger_entries where master_account_id = $1 order by seq desc limit $2',
      [id, 51],
    ),
    run(reads, 'balance', BALANCE, [id]),
  ]);
  return {
    viewer: {
      masterAccount: {
        balance: money(last?.balance_after_cents ?? 0),
        ledger: {
          edges: entries.slice(0, 50).map((e) => ({
            node: {
              id: gid('LedgerEntry', e.id),
              kind: e.kind,
              amount: money(e.amount_cents),
              balanceAfter: money(e.balance_after_cents),
              description: e.description,
              createdAt: iso(e.created_at),
            },
          })),
        },
      },
    },
  };
}

function localId(globalId: unknown, type: string): string | null {
  const decoded = Buffer.from(String(globalId), 'base64').toString('utf8');
  return decoded.startsWith(`${type}:`) ? decoded.slice(type.length + 1) : null;
}

async function userById(viewer: Viewer, variables: Row) {
  const userId = localId(variables.id, 'User');
  const [u] = userId
    ? await run(reads, 'user_by_id', `select ${USER_COLUMNS} from users u ${PRIMARY} where u.master_account_id = $1 and u.id = $2`, [
        viewer.masterAccountId,
        userId,
      ])
    : [];
  return {
    node: u
      ? { id: gid('User', u.id), address: u.address, displayName: u.display_name, plan: u.plan, status: u.status, role: u.role, createdAt: iso(u.created_at) }
      : null,
  };
}

/** Sends a transaction's last statement with the COMMIT behind it, as ours' commitWith does. */
type CommitWith = <T>(last: () => Promise<T>) => Promise<T>;

async function transaction<T>(work: (client: pg.PoolClient, commitWith: CommitWith) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Not waited for: it goes out with the work's first statements.
  const begun = client.query('begin').then(
    () => null,
    (error: unknown) => error,
  );
  let committed = false;
  const commitWith: CommitWith = async (last) => {
    committed = true;
    const [result] = await Promise.all([last(), client.query('commit')]);
    return result;
  };
  try {
    const result = await work(client, commitWith);
    const failed = await begun;
    if (failed) throw failed;
    if (!committed) await client.query('commit');
    return result;
  } catch (error) {
    await begun;
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

const LIMITS: Record<string, number> = { FREE: 0, ENTRY: 10, PRO: 50 };

async function addAlias(viewer: Viewer, variables: Row) {
  const userId = localId(variables.userId, 'User');
  const address = String(variables.address).trim().toLowerCase();
  if (!userId) throw new ClientError('VALIDATION');
  const alias = await transaction(async (tx, commitWith) => {
    // As ours: one write, the lock and the claim (which counts the aliases itself, behind the
    // lock, and inserts only under the plan's limit), then the COMMIT. (Ours tries a taken address
    // once more, clearing an ended hold first; the benchmark's addresses are all free.)
    const [[user], [claim]] = await Promise.all([
      run(tx, 'lock_user', 'select id, plan from users where id = $1 and master_account_id = $2 for no key update', [userId, viewer.masterAccountId]),
      commitWith(() =>
        run(
          tx,
          'claim_audited',
          `with target as (
             select u.id, u.plan, (select count(*) from addresses a where a.user_id = u.id and a.kind = 'ALIAS' and a.released_at is null) as held
             from users u where u.id = $3 and u.master_account_id = $2),
           claimed as (insert into addresses (address, master_account_id, user_id, kind)
             select $1, $2, t.id, 'ALIAS' from target t where t.held < case t.plan when 'FREE' then 0 when 'ENTRY' then 10 when 'PRO' then 50 end
             on conflict (address) do nothing returning id, address),
           audited as (insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
             select $2, $4, 'alias.add', 'Alias', claimed.id, $5::jsonb from claimed returning id)
           select t.held, c.id, c.address from target t left join claimed c on true`,
          [address, viewer.masterAccountId, userId, viewer.userId, { address, userId }],
        ),
      ),
    ]);
    if (!user) throw new ClientError('NOT_FOUND');
    if (claim?.id) return claim;
    if (Number(claim?.held) >= (LIMITS[String(user.plan)] ?? 0)) throw new ClientError('ALIAS_LIMIT_REACHED');
    throw new ClientError('ADDRESS_TAKEN');
  });
  return { addAlias: { __typename: 'AddAliasSuccess', alias: { id: gid('Alias', alias?.id), address: alias?.address } } };
}

async function addDeposit(viewer: Viewer, variables: Row) {
  const amount = cents(String(variables.amount));
  const key = String(variables.key);
  const entry = await transaction(async (tx, commitWith) => {
    // As ours: one write, the lock and the entry (which reads the balance itself, behind the lock,
    // and tells whether renewals are due), then the COMMIT. A retry's key finds its entry after.
    const [, [added]] = await Promise.all([
      run(tx, 'lock_account', 'select id, low_balance_threshold_cents from master_accounts where id = $1 for no key update', [viewer.masterAccountId]),
      commitWith(() =>
        run(
          tx,
          'deposit_audited',
          `with deposited as (insert into ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description, idempotency_key)
             values ($1, 'DEPOSIT', $2, coalesce((${BALANCE}), 0) + $2, $3, $4)
             on conflict (master_account_id, idempotency_key) where kind = 'DEPOSIT' do nothing returning id, kind, amount_cents, description),
            audited as (insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
              select $1, $5, 'billing.deposit', 'LedgerEntry', deposited.id, $6::jsonb from deposited returning id),
            due as (select u.id from users u
              where u.role <> 'OWNER' and u.plan <> 'FREE' and u.paid_through is not null and u.paid_through <= $7 and u.master_account_id = $1 limit 1)
           select d.id, d.kind, d.amount_cents, d.description, due.id as due from deposited d left join due on true`,
          [viewer.masterAccountId, amount, `Deposit of ${formatCents(amount)} EUR`, key, viewer.userId, { amount: formatCents(amount), idempotencyKey: key }, new Date()],
        ),
      ),
    ]);
    // No renewal is due in the benchmark's data, so none is charged after the deposit.
    if (added) return added;
    const [previous] = await run(
      reads,
      'deposit_by_key',
      `select id, kind, amount_cents, description from ledger_entries where master_account_id = $1 and kind = 'DEPOSIT' and idempotency_key = $2`,
      [viewer.masterAccountId, key],
    );
    return previous;
  });
  return {
    addDeposit: {
      __typename: 'AddDepositSuccess',
      ledgerEntry: { id: gid('LedgerEntry', entry?.id), kind: entry?.kind, amount: money(entry?.amount_cents), description: entry?.description },
    },
  };
}

const OPERATIONS: Record<string, (viewer: Viewer, variables: Row) => Promise<unknown>> = {
  AccountOverview: accountOverview,
  UserDirectory: userDirectory,
  LedgerPage: ledgerPage,
  UserById: userById,
  AddAlias: addAlias,
  AddDeposit: addDeposit,
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  const send = (status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  };
  try {
    const body = JSON.parse(await readBody(request)) as { operationName?: string; variables?: Row };
    const operation = OPERATIONS[body.operationName ?? ''];
    if (!operation) return send(400, { errors: [{ message: `unknown operation ${body.operationName}` }] });
    const viewer = await authenticate(request);
    send(200, { data: await operation(viewer, body.variables ?? {}) });
  } catch (error) {
    if (error instanceof ClientError) return send(200, { errors: [{ message: error.message, extensions: { code: error.message } }] });
    send(500, { errors: [{ message: 'Unexpected error.' }] });
    process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  }
}

const server = createServer((request, response) => void handle(request, response));
server.listen(port, '127.0.0.1', () => process.stdout.write(`limit listening on ${port}\n`));

const stop = () => {
  server.close();
  server.closeIdleConnections();
  void pool.end().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
