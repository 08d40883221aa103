/**
 * `arrears sync [ID] [--full] [--json]`: pulls one configured data source (QuickBooks …),
 * or every one, into the stored portfolio (app/sync-source.ts), and `withSourceSync`, which
 * makes each worker pass sync the sources that have not synced for
 * ARREARS_SYNC_INTERVAL_MINUTES (default 15). A scan afterwards evaluates what changed.
 */
import type { Command } from 'commander';
import type { DataSourcePort } from '../../app/ports/sources.js';
import { syncSource, type SyncDeps, type SyncSourceResult } from '../../app/sync-source.js';
import { InputError } from '../../domain/errors.js';
import { connectorsFor, storesFor, withRuntime, type Runtime } from '../../main.js';
import type { Dispatcher } from '../../outbox/dispatcher.js';
import { connectorCursorsRepo } from '../../storage/repos/connector-cursors-repo.js';
import type { CliContext } from '../context.js';
import { withPassStep } from './publish.js';
import { DB_OPTION_HELP } from './migrate.js';

export const DEFAULT_SYNC_INTERVAL_MINUTES = 15;

export function syncDepsFor(rt: Runtime): SyncDeps {
  const stores = storesFor(rt.db);
  return {
    clock: rt.clock,
    portfolio: stores.portfolio,
    state: stores.state,
    cursors: connectorCursorsRepo(rt.db, rt.clock),
  };
}

/** The configured connectors that are data sources, in registry order. */
export function sourcesOf(rt: Runtime): { id: string; source: DataSourcePort }[] {
  return connectorsFor(rt).instances.flatMap((i) =>
    i.source ? [{ id: i.id, source: i.source }] : [],
  );
}

type Outcome = ({ id: string } & SyncSourceResult) | { id: string; error: string };

function line(o: Outcome): string {
  if ('error' in o) return `${o.id}: failed: ${o.error}\n`;
  const s = o.saved;
  const mismatch =
    o.mismatches.length === 0
      ? ''
      : `; ${o.mismatches.length} balance${o.mismatches.length === 1 ? '' : 's'} differ${o.mismatches.length === 1 ? 's' : ''} from the source (see the exceptions)`;
  return (
    `${o.id}: ${o.pages} page${o.pages === 1 ? '' : 's'}, ${s.tenants} tenants, ${s.leases} leases, ` +
    `${s.ledger} ledger entries written${mismatch}\n`
  );
}

export function registerSync(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description(
      'pull the configured data sources (accounting, property systems) into the portfolio',
    )
    .argument('[id]', 'the connector to sync (default: every configured source)')
    .option('--full', 'ignore the stored cursor: pull everything again')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {sources: [{id, pages, saved, cursor, mismatches} | {id, error}]}')
    .action(
      async (id: string | undefined, opts: { full?: boolean; db?: string; json?: boolean }) => {
        const outcomes = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const all = sourcesOf(rt);
            const chosen = id === undefined ? all : all.filter((s) => s.id === id);
            if (id !== undefined && chosen.length === 0)
              throw new InputError([
                {
                  path: 'ID',
                  message: `\`${id}\` is not a configured data source (configured: ${all.map((s) => s.id).join(', ') || 'none'}); \`arrears connectors list\` shows what each connector still needs`,
                },
              ]);
            if (chosen.length === 0) ctx.stderr('sync: no data source is configured\n');
            const deps = syncDepsFor(rt);
            const out: Outcome[] = [];
            for (const s of chosen) {
              try {
                const result = await syncSource(deps, {
                  orgId: rt.orgId,
                  connectorId: s.id,
                  source: s.source,
                  full: !!opts.full,
                });
                out.push({ id: s.id, ...result });
              } catch (error) {
                // One source alone: its error is the command's (invalid data exits 2).
                if (id !== undefined) throw error;
                out.push({
                  id: s.id,
                  error: error instanceof Error ? error.message : String(error),
                });
              }
            }
            return out;
          },
        );
        if (outcomes.some((o) => 'error' in o)) ctx.exitCode = 1;
        if (opts.json) ctx.stdout(`${JSON.stringify({ sources: outcomes })}\n`);
        else for (const o of outcomes) ('error' in o ? ctx.stderr : ctx.stdout)(line(o));
      },
    );
}

/** Minutes between syncs of each source in the worker. */
export function syncIntervalMs(env: Record<string, string | undefined>): number {
  const raw = env.ARREARS_SYNC_INTERVAL_MINUTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SYNC_INTERVAL_MINUTES * 60_000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new InputError([
      {
        path: 'ARREARS_SYNC_INTERVAL_MINUTES',
        message: `\`${raw}\` is not a positive number of minutes`,
      },
    ]);
  return n * 60_000;
}

/**
 * Each worker pass first syncs every data source whose last run (the stored cursor's
 * `lastRunAt`, so several workers share the pace) is older than the interval. A failed
 * sync is reported and retried at the next interval; it never stops the dispatcher.
 */
export function withSourceSync(rt: Runtime, ctx: CliContext, dispatcher: Dispatcher): Dispatcher {
  const sources = sourcesOf(rt);
  if (sources.length === 0) return dispatcher;
  const interval = syncIntervalMs(rt.env);
  const deps = syncDepsFor(rt);
  // Each source on its own: one that fails is reported and the others still sync.
  return withPassStep(dispatcher, ctx, 'sync', async (signal) => {
    for (const s of sources) {
      if (signal?.aborted) break;
      try {
        const { lastRunAt } = await deps.cursors.get(rt.orgId, s.id, 'source');
        if (lastRunAt !== null && rt.clock.now() - Date.parse(lastRunAt) < interval) continue;
        const result = await syncSource(deps, {
          orgId: rt.orgId,
          connectorId: s.id,
          source: s.source,
          ...(signal ? { signal } : {}),
        });
        if (result.mismatches.length > 0) ctx.stderr(`sync ${line({ id: s.id, ...result })}`);
      } catch (e) {
        ctx.stderr(`sync ${s.id} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  });
}
