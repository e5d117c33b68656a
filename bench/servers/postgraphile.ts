import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

/**
 * The peer: PostGraphile v5 over the same database, in production shape (no GraphiQL, no watch
 * mode, no explain), with the connection-filter plugin for the directory search and the same pool
 * size as ours. It exposes the tables of `public` and the two mutation functions of `peer`.
 */
const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 4002);
const pool = new pg.Pool({ connectionString, max: Number(process.env.POOL_SIZE ?? 10) });

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ pool, schemas: ['public', 'peer'] })],
  grafserv: { port, graphiql: false, watch: false },
  grafast: { explain: false },
  // By default v5 only filters and orders by indexed columns; the workloads' conditions (address kind,
  // released_at) are served by other indexes, so the restriction is lifted as a PostGraphile user would.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  throw error;
});
await serv.addTo(server);
server.listen(port, '127.0.0.1', () => process.stdout.write(`postgraphile listening on ${port}\n`));

const stop = () => {
  server.close();
  void Promise.resolve(pgl.release())
    .then(() => pool.end())
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
