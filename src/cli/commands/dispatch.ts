/**
 * `arrears dispatch` (one pass: every item due now) and `arrears worker` (passes in a loop
 * until SIGTERM / SIGINT), SPEC 9 and 12. Items are re-checked against the stored ledger,
 * holds and consent right before they go (app/recheck-item.ts) and sent through the sandbox
 * provider unless connectors are configured.
 */
import type { Command } from 'commander';
import type { DispatchCounts } from '../../app/dispatch-outbox.js';
import { fixedClock } from '../../app/ports/clock.js';
import type { Recheck, SenderRegistry } from '../../app/ports/outbox.js';
import { feePoster } from '../../app/post-fee.js';
import { makeFallbackPlanner } from '../../app/plan-fallback.js';
import { makeRecheck } from '../../app/recheck-item.js';
import { contactAttemptsStore } from '../../storage/repos/contact-attempts-repo.js';
import { InputError } from '../../domain/errors.js';
import { connectorsFor, storesFor, withRuntime, type Runtime } from '../../main.js';
import { senderRegistry } from '../../outbox/senders.js';
import { createDispatcher, type DispatcherConfig } from '../../outbox/dispatcher.js';
import { renderNoticePdf } from '../../documents/render-pdf.js';
import {
  createDocumentSender,
  createSandboxPrintMail,
  postalDocumentRoutes,
} from '../../outbox/document-sender.js';
import { createSandboxSender } from '../../outbox/sandbox-sender.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import type { DbTransaction } from '../../storage/database.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { abortOnSignals, DEFAULT_INTERVAL_MS, runWorker } from '../../outbox/worker.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';
import { parseAtOption } from './scan.js';
import { withScheduledReports } from './schedule.js';
import { withAlerts, withEventPublishing, withWriteBack } from './publish.js';
import { withSourceSync } from './sync.js';

/** The dispatch-time re-check: the evaluator over the stored portfolio. */
export function recheckFor(rt: Runtime): Recheck {
  const stores = storesFor(rt.db);
  return makeRecheck({
    clock: rt.clock,
    portfolio: stores.portfolio,
    policies: stores.policies,
    state: stores.state,
    attempts: contactAttemptsStore(rt.db),
  });
}

/**
 * Where items go: fees post to the stored ledger; everything else to the sandbox unless a
 * configured connector (SPEC 11) takes its route.
 */
export function sendersFor(rt: Runtime): SenderRegistry {
  const stores = storesFor(rt.db);
  const connectors = connectorsFor(rt);
  return senderRegistry({
    '*': createSandboxSender(),
    fee: feePoster({ clock: rt.clock, portfolio: stores.portfolio }),
    // Notices by post (first-class, certified …): rendered, stored and mailed with proof.
    ...postalDocumentRoutes(
      createDocumentSender({
        clock: rt.clock,
        portfolio: stores.portfolio,
        policies: stores.policies,
        documents: documentsRepo(rt.db, rt.clock),
        render: renderNoticePdf,
        provider: connectors.printMail ?? createSandboxPrintMail(),
      }),
    ),
    ...connectors.senders,
  });
}

interface CommonOptions {
  batch?: string;
  leaseMs?: string;
  concurrency?: string;
  db?: string;
  json?: boolean;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError([{ path: flag, message: `\`${value}\` is not a positive whole number` }]);
  return n;
}

function config(
  rt: Runtime,
  ctx: CliContext,
  opts: CommonOptions,
): DispatcherConfig<DbTransaction> {
  const c: DispatcherConfig<DbTransaction> = {
    outbox: createOutboxRepo(rt.db, rt.clock),
    clock: rt.clock,
    recheck: recheckFor(rt),
    senders: sendersFor(rt),
    onFailed: makeFallbackPlanner({ clock: rt.clock, ...storesFor(rt.db) }),
    // ARREARS_ORG names one organisation; without it a worker serves them all.
    orgId: ctx.env.ARREARS_ORG ?? null,
  };
  const batch = positiveInt(opts.batch, '--batch');
  const lease = positiveInt(opts.leaseMs, '--lease-ms');
  if (batch !== undefined) c.batchSize = batch;
  if (lease !== undefined) c.leaseMs = lease;
  const concurrency = positiveInt(opts.concurrency, '--concurrency');
  if (concurrency !== undefined) c.concurrency = concurrency;
  return c;
}

export function countsLine(c: DispatchCounts): string {
  const parts = [
    `${c.sent} sent`,
    `${c.tasks} task${c.tasks === 1 ? '' : 's'} created`,
    `${c.retried} to retry`,
    `${c.failed} failed`,
    `${c.unknown} unknown`,
    `${c.cancelled} cancelled`,
    `${c.skipped} skipped`,
    `${c.review} back to review`,
    `${c.held} held`,
  ];
  if (c.reclaimed) parts.push(`${c.reclaimed} reclaimed from stopped workers`);
  if (c.lost) parts.push(`${c.lost} lost (unknown)`);
  if (c.released) parts.push(`${c.released} released`);
  if (c.conflicts) parts.push(`${c.conflicts} changed meanwhile`);
  return `${c.claimed} claimed: ${parts.join(', ')}`;
}

export function registerDispatch(program: Command, ctx: CliContext): void {
  program
    .command('dispatch')
    .description('send the outbox items due now, once (sandbox providers unless configured)')
    .option('--at <instant>', 'dispatch as of this instant (ISO-8601 UTC) instead of now')
    .option('--batch <n>', 'items claimed per batch (default 25)')
    .option(
      '--concurrency <n>',
      'items of a batch in flight at once (default 1; idempotent providers only)',
    )
    .option(
      '--lease-ms <ms>',
      'how long a claim lasts before another worker may take it (default 60000)',
    )
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the counts as JSON')
    .action(async (opts: CommonOptions & { at?: string }) => {
      const at = opts.at !== undefined ? parseAtOption(opts.at) : undefined;
      const counts = await withRuntime(
        {
          db: opts.db,
          env: ctx.env,
          cwd: ctx.cwd,
          ...(at !== undefined ? { clock: fixedClock(at) } : {}),
        },
        (rt) => createDispatcher(config(rt, ctx, opts)).runOnce(),
      );
      if (opts.json) ctx.stdout(`${JSON.stringify(counts)}\n`);
      else ctx.stdout(`dispatch: ${countsLine(counts)}\n`);
    });

  program
    .command('worker')
    .description(
      'send due outbox items continuously; SIGTERM / SIGINT stop it after the item in flight',
    )
    .option('--interval-ms <ms>', `pause between passes (default ${DEFAULT_INTERVAL_MS})`)
    .option('--batch <n>', 'items claimed per batch (default 25)')
    .option(
      '--concurrency <n>',
      'items of a batch in flight at once (default 1; idempotent providers only)',
    )
    .option(
      '--lease-ms <ms>',
      'how long a claim lasts before another worker may take it (default 60000)',
    )
    .option('--max-passes <n>', 'stop after this many passes (scripts and tests)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the totals as JSON when it stops')
    .action(async (opts: CommonOptions & { intervalMs?: string; maxPasses?: string }) => {
      const interval = positiveInt(opts.intervalMs, '--interval-ms') ?? DEFAULT_INTERVAL_MS;
      const maxPasses = positiveInt(opts.maxPasses, '--max-passes');
      const summary = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        // Each pass also delivers the scheduled reports that are due (cli/commands/schedule.ts).
        const dispatcher = withSourceSync(
          rt,
          ctx,
          withAlerts(
            rt,
            ctx,
            withWriteBack(
              rt,
              ctx,
              withEventPublishing(
                rt,
                ctx,
                withScheduledReports(rt, ctx, createDispatcher(config(rt, ctx, opts))),
              ),
            ),
          ),
        );
        const controller = new AbortController();
        const uninstall = abortOnSignals(controller, {
          onStop: (s) =>
            ctx.stderr(`worker ${dispatcher.workerId}: ${s}: stopping after the item in flight\n`),
          onForce: (s) => {
            ctx.stderr(`worker ${dispatcher.workerId}: ${s} again: exiting now\n`);
            process.exit(130);
          },
        });
        ctx.stderr(`worker ${dispatcher.workerId} started on ${rt.db.url}\n`);
        try {
          return await runWorker(dispatcher, {
            intervalMs: interval,
            signal: controller.signal,
            ...(maxPasses !== undefined ? { maxPasses } : {}),
            onPass: (c, n) => {
              if (c.claimed || c.reclaimed || c.lost) ctx.stderr(`pass ${n}: ${countsLine(c)}\n`);
            },
            onError: (e, n) =>
              ctx.stderr(`pass ${n} failed: ${e instanceof Error ? e.message : String(e)}\n`),
          });
        } finally {
          uninstall();
        }
      });
      if (opts.json) ctx.stdout(`${JSON.stringify(summary)}\n`);
      else
        ctx.stdout(
          `worker stopped after ${summary.passes} pass${summary.passes === 1 ? '' : 'es'}: ${countsLine(summary.totals)}\n`,
        );
    });
}
