/**
 * The pre-sale and pre-filing gates (SPEC 3.4, R13): `arrears gate KEY` prints the
 * checklist of an auction or an escalation to legal, each item ✓ or ✗ with its detail and
 * evidence; `arrears gate attest KEY --item ITEM --evidence TEXT` records what a person
 * vouches for. `arrears approve` refuses a gated item until every item passes.
 */
import type { Command } from 'commander';
import { resolveActingUser } from '../../app/approve-action.js';
import { attest, gateFor } from '../../app/pre-action-gate.js';
import { gateDeps } from '../../main.js';
import { AppError } from '../../domain/errors.js';
import { ATTESTABLE_ITEMS, type GateResult } from '../../domain/gates/gate.js';
import { withRuntime } from '../../main.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

export { gateDeps };

export function formatGate(gate: GateResult): string {
  const title = gate.kind === 'auction' ? 'Pre-sale' : 'Pre-filing';
  const lines = [
    `${title} checklist for ${gate.key}: ` +
      (gate.ok
        ? 'every item passes'
        : `${gate.missing.length} of ${gate.items.length} item${gate.items.length === 1 ? '' : 's'} missing`),
  ];
  for (const i of gate.items) {
    lines.push(`${i.ok ? '✓' : '✗'} ${i.item}: ${i.detail}`);
    for (const e of i.evidence) lines.push(`    evidence: ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerGate(program: Command, ctx: CliContext): void {
  const gate = program
    .command('gate')
    .description(
      'the pre-sale / pre-filing checklist of an auction or an escalation to legal: each item ✓ or ✗ with its evidence',
    )
    .argument('<key>', 'outbox key of the auction or escalation')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {kind, key, ok, items, missing}')
    .action(async (key: string, opts: { db?: string; json?: boolean }) => {
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        gateFor(gateDeps(rt), rt.orgId, key),
      );
      if (!result)
        throw new AppError(
          'not_found',
          `${key} has no gate: only auction items and escalations to legal have one (\`arrears outbox\` lists the items)`,
        );
      if (!result.ok) ctx.exitCode = 1;
      ctx.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatGate(result));
    });

  gate
    .command('attest')
    .description('attest one gate item for an outbox item, with the evidence it rests on')
    .argument('<key>', 'outbox key of the auction or escalation')
    .requiredOption('--item <item>', `what is attested: ${ATTESTABLE_ITEMS.join(', ')}`)
    .requiredOption('--evidence <text>', 'what it rests on (SCRA report number, agreement …)')
    .option('--as <email>', 'act as this user (default: $ARREARS_USER, else the first admin)')
    // `--db` and `--json` are the parent's options (commander hands them to `gate`).
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        item: string;
        evidence: string;
        as?: string;
        db?: string;
        json?: boolean;
      }>();
      const { user, result } = await withRuntime(
        { db: opts.db, env: ctx.env, cwd: ctx.cwd },
        async (rt) => {
          const d = gateDeps(rt);
          const u = await resolveActingUser(
            createUsersRepo(rt.db, rt.clock),
            rt.orgId,
            opts.as ?? ctx.env.ARREARS_USER,
          );
          return { user: u, result: await attest(d, rt.orgId, u, key, opts.item, opts.evidence) };
        },
      );
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      ctx.stdout(
        `${key}: ${opts.item} attested by ${user.email}` +
          (result.replaced ? ' (replacing an earlier attestation)' : '') +
          '\n',
      );
    });
}
