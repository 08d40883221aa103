/** `arrears policy apply F [--dry-run]` and `arrears policy list`. */
import type { Command } from 'commander';
import { applyPolicy } from '../../app/apply-policy.js';
import { storesFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { loadPolicies } from '../load-inputs.js';
import { renderTable } from '../timeline-table.js';
import { DB_OPTION_HELP } from './migrate.js';

export function registerPolicyStore(policyCmd: Command, ctx: CliContext): void {
  policyCmd
    .command('apply')
    .description(
      'store a policy (a new version when its id exists); --dry-run shows what changes for open cases',
    )
    .argument('<file>', 'policy file, YAML or JSON')
    .option('--dry-run', 'validate and show the effect on open cases; store nothing')
    .option('--as <email>', 'author recorded with the version')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (
        file: string,
        opts: { dryRun?: boolean; as?: string; db?: string; json?: boolean },
      ) => {
        const [policy] = await loadPolicies([file], ctx);
        const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
          applyPolicy(
            { clock: rt.clock, ...storesFor(rt.db) },
            {
              orgId: rt.orgId,
              policy: policy!,
              author: opts.as ?? ctx.env.ARREARS_USER ?? 'cli',
              dryRun: !!opts.dryRun,
            },
          ),
        );
        if (opts.json) {
          ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const head = result.stored
          ? `stored policy ${result.policyId} v${result.version}`
          : `dry run: policy ${result.policyId} would be stored as v${result.version}`;
        ctx.stdout(`${head}; ${result.openCases.length} open case(s) it governs\n`);
        if (result.openCases.length > 0)
          ctx.stdout(
            `${renderTable(
              ['lease', 'episode', 'next action now', 'next action with this version'],
              result.openCases.map((c) => [
                c.leaseId,
                String(c.episode),
                c.before ? `${c.before.date} ${c.before.stage}:${c.before.action}` : '—',
                c.after ? `${c.after.date} ${c.after.stage}:${c.after.action}` : '—',
              ]),
            )}\n`,
          );
      },
    );

  policyCmd
    .command('list')
    .description('stored policies, latest version of each id')
    .option('--all', 'every version')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: { all?: boolean; db?: string; json?: boolean }) => {
      const rows = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const store = storesFor(rt.db).policies;
        return opts.all ? store.history(rt.orgId) : store.current(rt.orgId);
      });
      const out = rows.map((r) => ({
        id: r.policy.id,
        version: r.version,
        name: r.policy.name ?? null,
        appliesTo: r.policy.appliesTo,
        mode: r.policy.mode,
        stages: r.policy.stages.length,
        author: r.author,
        createdAt: r.createdAt,
      }));
      if (opts.json) {
        ctx.stdout(`${JSON.stringify({ policies: out }, null, 2)}\n`);
        return;
      }
      ctx.stdout(
        `${renderTable(
          ['id', 'version', 'mode', 'stages', 'applies to', 'author', 'stored'],
          out.map((p) => [
            p.id,
            String(p.version),
            p.mode,
            String(p.stages),
            JSON.stringify(p.appliesTo),
            p.author,
            p.createdAt,
          ]),
        )}\n`,
      );
    });
}
