/** `arrears fee waive KEY --reason R`: waive an assessed fee (a credit on the ledger). */
import type { Command } from 'commander';
import { waiveFee } from '../../app/post-fee.js';
import { storesFor, withRuntime } from '../../main.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

export function registerFees(program: Command, ctx: CliContext): void {
  const fee =
    program.commands.find((c) => c.name() === 'fee') ??
    program.command('fee').description('act on assessed fees');
  fee
    .command('waive')
    .description('waive a fee: cancel it if not yet posted, else credit it on the ledger')
    .argument('<key>', 'the fee’s outbox key, e.g. L1:1:late-fee:fee')
    .requiredOption('--reason <reason>', 'why, for the audit log and the tenant’s ledger')
    .option('--as <email>', 'acting user (default $ARREARS_USER)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (key: string, opts: { reason: string; as?: string; db?: string; json?: boolean }) => {
        const who = opts.as ?? ctx.env.ARREARS_USER ?? 'cli';
        const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
          waiveFee(
            { clock: rt.clock, ...storesFor(rt.db), outbox: createOutboxRepo(rt.db, rt.clock) },
            rt.orgId,
            key,
            opts.reason,
            `user:${who}`,
          ),
        );
        if (opts.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        else
          ctx.stdout(
            result.outcome === 'cancelled'
              ? `fee ${key} cancelled before it was posted\n`
              : `fee ${key} waived: a credit of ${(result.amountCents / 100).toFixed(2)} applied to it\n`,
          );
      },
    );
}
