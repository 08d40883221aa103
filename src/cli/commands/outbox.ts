/**
 * `arrears outbox [--status S] [--lease L] [--json]`: every outbox item — key, status,
 * reason, channel, times (SPEC 9). One row per delivery; `--json` prints
 * `{"items": [{key, leaseId, episode, stage, action, type, channel, status, reason,
 * policyVersion, createdAt, updatedAt, …}]}`.
 */
import type { Command } from 'commander';
import { outboxItemJson } from '../../app/outbox-view.js';
import type { OutboxItem, OutboxStatus } from '../../app/ports/outbox.js';
import { InputError } from '../../domain/errors.js';
import { isOutboxStatus, OUTBOX_STATUSES } from '../../domain/outbox/states.js';
import { withRuntime } from '../../main.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

// The shape is shared with the HTTP API (app/outbox-view.ts).
export { outboxItemJson } from '../../app/outbox-view.js';

/** `--status failed,unknown` → statuses; exit 2 naming the valid ones otherwise. */
export function parseStatuses(value: string): OutboxStatus[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = parts.filter((s) => !isOutboxStatus(s));
  if (parts.length === 0 || bad.length > 0)
    throw new InputError([
      {
        path: '--status',
        message: `\`${bad.join(',') || value}\` is not a status; use one or more (comma-separated) of ${OUTBOX_STATUSES.join(', ')}`,
      },
    ]);
  return parts as OutboxStatus[];
}

/** A fixed-width text table. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface OutboxOptions {
  status?: string;
  lease?: string;
  db?: string;
  json?: boolean;
}

export function registerOutbox(program: Command, ctx: CliContext): void {
  program
    .command('outbox')
    .description('every outbox item: key, status, reason, channel and times (one row per delivery)')
    .option(
      '--status <status>',
      `only these statuses, comma-separated (${OUTBOX_STATUSES.join(', ')})`,
    )
    .option('--lease <id>', 'only this lease')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {"items": [...]}')
    .action(async (opts: OutboxOptions) => {
      const status = opts.status !== undefined ? parseStatuses(opts.status) : undefined;
      const items = await withRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd }, async (rt) => {
        const repo = createOutboxRepo(rt.db, rt.clock);
        const all: OutboxItem[] = [];
        let cursor: string | undefined;
        do {
          const page = await repo.list(rt.orgId, {
            limit: 1000,
            ...(status ? { status } : {}),
            ...(opts.lease !== undefined ? { leaseId: opts.lease } : {}),
            ...(cursor ? { cursor } : {}),
          });
          all.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return all;
      });
      if (opts.json) {
        ctx.stdout(`${JSON.stringify({ items: items.map(outboxItemJson) }, null, 2)}\n`);
        return;
      }
      if (items.length === 0) {
        ctx.stdout('the outbox is empty' + (status || opts.lease ? ' for this filter' : '') + '\n');
        return;
      }
      ctx.stdout(
        `${table([
          ['KEY', 'STATUS', 'REASON', 'CHANNEL', 'DUE', 'UPDATED'],
          ...items.map((i) => [
            i.key,
            i.status,
            i.reason ?? '',
            i.method ?? i.channel ?? i.type,
            i.dueAt,
            i.updatedAt,
          ]),
        ])}\n${items.length} item${items.length === 1 ? '' : 's'}\n`,
      );
    });
}
