import { openDatabase } from '../server/db/client.js';

/** Against PostgreSQL, migrate once before the files run (PGlite files each migrate their own). */
export default async function setup(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) return;
  const database = await openDatabase({ databaseUrl });
  await database.close();
}
