/**
 * `arrears connectors list [--json]` and `arrears connectors test ID [--json]` (SPEC 9, 11):
 * which connectors are configured (never a secret's value, only where it came from) and a
 * cheap request proving a configured one's credentials work.
 */
import type { Command } from 'commander';
import { AppError, InputError } from '../../domain/errors.js';
import { CONNECTOR_IDS } from '../../connectors/contract.js';
import { listConnectors, moduleOf } from '../../connectors/registry.js';
import { connectorsFor, withRuntime } from '../../main.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';
import { table } from './outbox.js';

export function registerConnectors(program: Command, ctx: CliContext): void {
  const connectors = program
    .command('connectors')
    .description('configured connectors and their health (SPEC 11)');

  connectors
    .command('list')
    .description('every connector: configured or not, what it sends, which settings are missing')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => {
      const rows = listConnectors(ctx.env);
      if (opts.json) {
        ctx.stdout(`${JSON.stringify({ connectors: rows }, null, 2)}\n`);
        return;
      }
      ctx.stdout(
        table([
          ['id', 'status', 'roles', 'sends', 'missing settings'],
          ...rows.map((r) => [
            r.id,
            !r.available ? 'not available' : r.configured ? 'configured' : 'not configured',
            r.roles.join(' '),
            r.sends.join(' '),
            r.missing.join(' '),
          ]),
        ]),
      );
      ctx.stderr(
        'Unconfigured connectors leave their routes to the sandbox. Settings: ARREARS_{ID}_{SETTING}; every connector accepts ARREARS_{ID}_BASE_URL.\n',
      );
    });

  connectors
    .command('test')
    .description("run a configured connector's verify request (credentials, reachability)")
    .argument('<id>', `connector id (${CONNECTOR_IDS.join(', ')})`)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (id: string, opts: { db?: string; json?: boolean }) => {
      const module = moduleOf(id);
      if (!module)
        throw new InputError([
          {
            path: 'ID',
            message: (CONNECTOR_IDS as readonly string[]).includes(id)
              ? `the ${id} connector is not available in this build`
              : `unknown connector \`${id}\`; \`arrears connectors list\` shows the ids`,
          },
        ]);
      const listing = listConnectors(ctx.env).find((r) => r.id === id)!;
      if (!listing.configured)
        throw new InputError(
          listing.missing.map((name) => ({
            path: name,
            message: `the ${id} connector is not configured: set ${name}`,
          })),
        );
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const instance = connectorsFor(rt).instances.find((i) => i.id === id);
        if (!instance) throw new AppError('not_found', `connector ${id} was not built`);
        return instance.verify(AbortSignal.timeout(30_000));
      });
      if (opts.json) ctx.stdout(`${JSON.stringify({ id, ...result }, null, 2)}\n`);
      else
        ctx.stdout(
          `${id}: ${result.ok ? 'ok' : 'FAILED'} — ${result.detail}` +
            (result.latencyMs !== undefined ? ` (${result.latencyMs} ms)` : '') +
            '\n',
        );
      if (!result.ok) ctx.exitCode = 1;
    });

  connectors
    .command('subscribe')
    .description(
      'register our /webhooks/{id} URL with a provider that subscribes by API (RingCentral); needs ARREARS_PUBLIC_URL',
    )
    .argument('<id>', 'connector id')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (id: string, opts: { db?: string; json?: boolean }) => {
      const listing = listConnectors(ctx.env).find((r) => r.id === id);
      if (!listing?.configured)
        throw new InputError([
          {
            path: 'ID',
            message: listing
              ? `the ${id} connector is not configured: set ${listing.missing.join(', ') || 'its settings'}`
              : `unknown connector \`${id}\`; \`arrears connectors list\` shows the ids`,
          },
        ]);
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const instance = connectorsFor(rt).instances.find((i) => i.id === id);
        if (!instance?.subscribe)
          throw new InputError([
            {
              path: 'ID',
              message: `the ${id} connector needs no subscription: its webhooks are set in the provider's console`,
            },
          ]);
        return instance.subscribe(AbortSignal.timeout(60_000));
      });
      if (opts.json) ctx.stdout(`${JSON.stringify({ id, ...result }, null, 2)}\n`);
      else ctx.stdout(`${id}: ${result.ok ? 'subscribed' : 'FAILED'} — ${result.detail}\n`);
      if (!result.ok) ctx.exitCode = 1;
    });
}
