/**
 * `arrears connectors list [--json]` and `arrears connectors test ID [--json]` (SPEC 9, 11):
 * which connectors are configured (never a secret's value, only where it came from) and a
 * cheap request proving a configured one's credentials work.
 */
import type { Command } from 'commander';
import { AppError, InputError } from '../../domain/errors.js';
import { CONNECTOR_IDS, settingEnvName } from '../../connectors/contract.js';
import { seal, secretsKeyFrom, SECRETS_KEY_ENV } from '../../connectors/secret-box.js';
import { connectorSettingsRepo } from '../../storage/repos/connector-settings-repo.js';
import { readInputFile } from '../io.js';
import { listConnectors, moduleOf } from '../../connectors/registry.js';
import { connectorsFor, storedSettingsOf, withRuntime } from '../../main.js';
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
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const rows = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        Promise.resolve(listConnectors(ctx.env, storedSettingsOf(rt))),
      );
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
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const listing = listConnectors(ctx.env, storedSettingsOf(rt)).find((r) => r.id === id)!;
        if (!listing.configured)
          throw new InputError(
            listing.missing.map((name) => ({
              path: name,
              message: `the ${id} connector is not configured: set ${name}`,
            })),
          );
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
      const result = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const listing = listConnectors(ctx.env, storedSettingsOf(rt)).find((r) => r.id === id);
        if (!listing?.configured)
          throw new InputError([
            {
              path: 'ID',
              message: listing
                ? `the ${id} connector is not configured: set ${listing.missing.join(', ') || 'its settings'}`
                : `unknown connector \`${id}\`; \`arrears connectors list\` shows the ids`,
            },
          ]);
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

  connectors
    .command('set')
    .description(
      'store a connector setting encrypted in the database (AES-256-GCM, key ARREARS_SECRETS_KEY); the environment still overrides it',
    )
    .argument('<id>', 'connector id')
    .argument('<setting>', 'setting name as in ARREARS_{ID}_{SETTING}, e.g. AUTH_TOKEN')
    .requiredOption('--value-file <file>', 'read the value from this file (`-`: standard input)')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (id: string, setting: string, opts: { valueFile: string; db?: string }) => {
      const module = moduleOf(id);
      const key = setting.toUpperCase();
      if (!module) throw new InputError([{ path: 'ID', message: `unknown connector \`${id}\`` }]);
      if (key !== 'BASE_URL' && !module.manifest.settings.some((s) => s.key === key))
        throw new InputError([
          {
            path: 'SETTING',
            message: `the ${id} connector has no setting ${key}; it has ${module.manifest.settings.map((s) => s.key).join(', ')}, BASE_URL`,
          },
        ]);
      const secretsKey = secretsKeyFrom(ctx.env);
      if (!secretsKey)
        throw new InputError([
          { path: SECRETS_KEY_ENV, message: 'set the key settings are encrypted with (32 bytes)' },
        ]);
      const value = (await readInputFile(opts.valueFile, ctx)).replace(/\r?\n$/, '');
      if (value === '')
        throw new InputError([{ path: '--value-file', message: 'the value is empty' }]);
      await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        connectorSettingsRepo(rt.db).put(
          rt.orgId,
          id,
          key,
          seal(secretsKey, `${id}:${key}`, value),
          `user:${ctx.env.ARREARS_USER ?? 'cli'}`,
          new Date(rt.clock.now()).toISOString(),
        ),
      );
      ctx.stdout(`stored ${settingEnvName(id, key)} (encrypted)\n`);
    });

  connectors
    .command('unset')
    .description('remove a stored connector setting')
    .argument('<id>', 'connector id')
    .argument('<setting>', 'setting name')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (id: string, setting: string, opts: { db?: string }) => {
      const key = setting.toUpperCase();
      const removed = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, (rt) =>
        connectorSettingsRepo(rt.db).remove(
          rt.orgId,
          id,
          key,
          `user:${ctx.env.ARREARS_USER ?? 'cli'}`,
          new Date(rt.clock.now()).toISOString(),
        ),
      );
      ctx.stdout(
        removed ? `removed ${settingEnvName(id, key)}\n` : `no stored ${settingEnvName(id, key)}\n`,
      );
    });
}
