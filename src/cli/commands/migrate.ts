/** `arrears migrate`: applies the database migrations (and makes sure `default` exists). */
import type { Command } from 'commander';
import { openDatabase, resolveDbUrl } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { ensureDefaultOrganisation } from '../../storage/repos/organisations-repo.js';
import type { CliContext } from '../context.js';

export const DB_OPTION_HELP =
  'database: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: $ARREARS_DB, else sqlite:./arrears.db)';

interface MigrateOptions {
  db?: string;
  json?: boolean;
}

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply database migrations (a no-op when the database is up to date)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: MigrateOptions) => {
      const db = await openDatabase(resolveDbUrl(opts.db, ctx.env), { cwd: ctx.cwd });
      try {
        const report = await migrateToLatest(db);
        const org = await ensureDefaultOrganisation(db, new Date().toISOString());
        if (opts.json) {
          ctx.stdout(
            `${JSON.stringify(
              {
                database: db.url,
                ranNow: report.ranNow,
                applied: report.applied,
                pending: report.pending,
                defaultOrganisationCreated: org.created,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        for (const name of report.ranNow) ctx.stdout(`applied ${name}\n`);
        const n = report.applied.length;
        ctx.stdout(
          `${report.ranNow.length === 0 ? 'nothing to migrate: ' : ''}${db.url} is up to date ` +
            `(${n} migration${n === 1 ? '' : 's'}: ${report.applied.map((m) => m.name).join(', ')})\n`,
        );
      } finally {
        await db.close();
      }
    });
}
