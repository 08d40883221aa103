/** `arrears audit verify`: checks every organisation's audit hash chain (SPEC 7). */
import type { Command } from 'commander';
import { openDatabase, resolveDbUrl } from '../../storage/database.js';
import { assertMigrated } from '../../storage/migrate.js';
import { verifyAudit } from '../../storage/repos/audit-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

interface VerifyOptions {
  db?: string;
  json?: boolean;
}

const entries = (n: number) => (n === 1 ? '1 entry' : `${n} entries`);
const organisations = (n: number) => (n === 1 ? '1 organisation' : `${n} organisations`);

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description(
      'check the hash chain of every organisation; exit 0 when intact, 1 naming the first broken seq',
    )
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: VerifyOptions) => {
      const db = await openDatabase(resolveDbUrl(opts.db, ctx.env), { cwd: ctx.cwd });
      try {
        await assertMigrated(db);
        const result = await verifyAudit(db);
        if (!result.ok) ctx.exitCode = 1;
        if (opts.json) {
          ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        if (result.ok) {
          ctx.stdout(
            `audit chain intact: ${entries(result.entries)} in ` +
              `${organisations(result.organisations.length)}\n`,
          );
          return;
        }
        for (const org of result.organisations)
          if (!org.ok)
            ctx.stderr(
              `audit chain broken: organisation ${org.orgId}, seq ${org.seq} (${org.reason}): ${org.message}; ` +
                `${entries(org.entries)} before it are intact\n`,
            );
      } finally {
        await db.close();
      }
    });
}
