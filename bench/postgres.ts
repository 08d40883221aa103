/** A throw-away database on the local PostgreSQL server for a benchmark. */
import pg from 'pg';

/**
 * Drops `name` and creates it afresh, as the first of `postgres` / `root` that can; its URL,
 * or undefined when no server answers (or after `drop`, which only drops it).
 */
export async function postgresDatabase(name: string, drop = false): Promise<string | undefined> {
  for (const user of ['postgres', 'root']) {
    const c = new pg.Client({ connectionString: `postgres://${user}@127.0.0.1:5432/postgres` });
    try {
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      if (drop) return undefined;
      await c.query(`create database ${name}`);
      return `postgres://${user}@127.0.0.1:5432/${name}`;
    } catch {
      // try the next user
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return undefined;
}
