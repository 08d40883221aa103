/**
 * What tenants' replies suggested (SPEC R12), for staff to decide:
 *
 *   arrears suggestions [--status S] [--lease L] [--json]
 *   arrears suggestion confirm ID [--amount C] [--until D] [--as EMAIL]
 *   arrears suggestion dismiss ID --reason R [--as EMAIL]
 *
 * `suggestions` also lists the replies from senders no tenant matches (the exception list).
 * The acting user is `--as EMAIL`, else `ARREARS_USER`, else the organisation's first admin.
 */
import type { Command } from 'commander';
import { resolveActingUser } from '../../app/approve-action.js';
import {
  confirmSuggestion,
  dismissSuggestion,
  listReplies,
  listSuggestions,
  type SuggestionOutcome,
} from '../../app/confirm-suggestion.js';
import type { StoredReply, SuggestionStatus, SuggestionView } from '../../app/receive-reply.js';
import { InputError } from '../../domain/errors.js';
import { formatCents } from '../../domain/money.js';
import { inboundFor, withRuntime } from '../../main.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';
import { table } from './outbox.js';

const AS_HELP = 'act as this user (default: $ARREARS_USER, else the first admin)';
const STATUSES = ['open', 'confirmed', 'dismissed', 'all'] as const;

/** `20000` (cents), `200.00` or `$200` (dollars) → cents. */
export function parseAmount(value: string): number {
  const text = value.trim().replace(/,/g, '');
  const dollars = /^\$?(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  const fail = () =>
    new InputError([
      {
        path: '--amount',
        message: `\`${value}\` is not an amount; give cents (20000) or dollars ($200 or 200.00)`,
      },
    ]);
  if (!dollars) throw fail();
  const cents =
    text.startsWith('$') || dollars[2] !== undefined
      ? Number(dollars[1]) * 100 + Number((dollars[2] ?? '0').padEnd(2, '0'))
      : Number(dollars[1]);
  if (!Number.isSafeInteger(cents) || cents <= 0) throw fail();
  return cents;
}

function suggestionRow(s: SuggestionView) {
  return {
    id: s.id,
    replyId: s.replyId,
    leaseId: s.leaseId,
    tenantId: s.tenantId,
    episode: s.episode,
    kind: s.kind,
    intent: s.intent,
    channel: s.channel,
    replyDate: s.replyDate,
    proposal: s.proposal,
    status: s.status,
    text: s.text,
    receivedAt: s.receivedAt,
    createdAt: s.createdAt,
    decidedBy: s.decidedBy,
    decidedAt: s.decidedAt,
    decision: s.decision,
  };
}

function unmatchedRow(r: StoredReply) {
  return {
    id: r.id,
    channel: r.channel,
    from: r.from,
    to: r.to,
    text: r.body,
    intent: r.intent,
    receivedAt: r.receivedAt,
    provider: r.provider,
  };
}

function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function proposalText(s: SuggestionView): string {
  const parts: string[] = [];
  if (s.proposal.amountCents !== undefined) parts.push(formatCents(s.proposal.amountCents));
  if (s.proposal.until !== undefined) parts.push(`until ${s.proposal.until}`);
  return parts.join(' ') || '-';
}

function outcomeText(o: SuggestionOutcome): string {
  const did = [...o.events.map((e) => `${e.type} event`), ...o.tasks.map((k) => `task ${k}`)];
  return `suggestion ${o.id} (${o.kind}, lease ${o.leaseId}) ${o.status}${did.length ? `: ${did.join(', ')}` : ''}\n`;
}

export function registerSuggestions(program: Command, ctx: CliContext): void {
  program
    .command('suggestions')
    .description(
      "what tenants' replies suggested (promise holds, disputes, tasks …) awaiting a decision, and replies from unknown senders",
    )
    .option('--status <status>', `${STATUSES.join(', ')} (default open)`, 'open')
    .option('--lease <id>', 'only this lease')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print {"suggestions": [...], "unmatched": [...]}')
    .action(async (opts: { status: string; lease?: string; db?: string; json?: boolean }) => {
      if (!(STATUSES as readonly string[]).includes(opts.status))
        throw new InputError([
          {
            path: '--status',
            message: `\`${opts.status}\` is not a status; use one of ${STATUSES.join(', ')}`,
          },
        ]);
      const { suggestions, unmatched } = await withRuntime(
        { db: opts.db, env: ctx.env, cwd: ctx.cwd },
        async (rt) => {
          const deps = inboundFor(rt.db, rt.clock);
          return {
            suggestions: await listSuggestions(deps, rt.orgId, {
              status: opts.status === 'all' ? undefined : (opts.status as SuggestionStatus),
              ...(opts.lease !== undefined ? { leaseId: opts.lease } : {}),
            }),
            unmatched:
              opts.lease === undefined
                ? await listReplies(deps, rt.orgId, { status: 'unmatched' })
                : [],
          };
        },
      );
      if (opts.json) {
        ctx.stdout(
          `${JSON.stringify(
            { suggestions: suggestions.map(suggestionRow), unmatched: unmatched.map(unmatchedRow) },
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (suggestions.length === 0)
        ctx.stdout(`no ${opts.status === 'all' ? '' : `${opts.status} `}suggestions\n`);
      else
        ctx.stdout(
          `${table([
            ['ID', 'LEASE', 'KIND', 'PROPOSAL', 'STATUS', 'RECEIVED', 'TEXT'],
            ...suggestions.map((s) => [
              s.id,
              s.leaseId,
              s.kind,
              proposalText(s),
              s.status,
              s.receivedAt,
              oneLine(s.text),
            ]),
          ])}\n`,
        );
      if (unmatched.length > 0)
        ctx.stdout(
          `\n${unmatched.length} repl${unmatched.length === 1 ? 'y' : 'ies'} from senders no tenant matches:\n${table(
            [
              ['REPLY', 'CHANNEL', 'FROM', 'INTENT', 'RECEIVED', 'TEXT'],
              ...unmatched.map((r) => [
                r.id,
                r.channel,
                r.from,
                r.intent,
                r.receivedAt,
                oneLine(r.body),
              ]),
            ],
          )}\n`,
        );
    });

  const cmd = program
    .command('suggestion')
    .description("confirm or dismiss what a tenant's reply suggested");

  cmd
    .command('confirm')
    .description(
      'confirm a suggestion: its events are recorded (a promise hold …), its task queued',
    )
    .argument('<id>', 'suggestion id (`arrears suggestions` lists them)')
    .option('--amount <cents>', 'correct the promised amount: cents (20000) or dollars ($200)')
    .option('--until <date>', 'the promised date, or the end of a hardship hold (YYYY-MM-DD)')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (
        id: string,
        opts: { amount?: string; until?: string; as?: string; db?: string; json?: boolean },
      ) => {
        const amountCents = opts.amount !== undefined ? parseAmount(opts.amount) : undefined;
        const outcome = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const user = await resolveActingUser(
              createUsersRepo(rt.db, rt.clock),
              rt.orgId,
              opts.as ?? ctx.env.ARREARS_USER,
            );
            return confirmSuggestion(inboundFor(rt.db, rt.clock), rt.orgId, id, user, {
              ...(amountCents !== undefined ? { amountCents } : {}),
              ...(opts.until !== undefined ? { until: opts.until } : {}),
            });
          },
        );
        ctx.stdout(opts.json ? `${JSON.stringify(outcome, null, 2)}\n` : outcomeText(outcome));
      },
    );

  cmd
    .command('dismiss')
    .description('dismiss a suggestion; a dispute or review hold the reply placed is released')
    .argument('<id>', 'suggestion id')
    .requiredOption('--reason <reason>', 'why, for the audit log')
    .option('--as <email>', AS_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print one JSON document')
    .action(
      async (id: string, opts: { reason: string; as?: string; db?: string; json?: boolean }) => {
        const outcome = await withRuntime(
          { db: opts.db, env: ctx.env, cwd: ctx.cwd },
          async (rt) => {
            const user = await resolveActingUser(
              createUsersRepo(rt.db, rt.clock),
              rt.orgId,
              opts.as ?? ctx.env.ARREARS_USER,
            );
            return dismissSuggestion(inboundFor(rt.db, rt.clock), rt.orgId, id, user, opts.reason);
          },
        );
        ctx.stdout(opts.json ? `${JSON.stringify(outcome, null, 2)}\n` : outcomeText(outcome));
      },
    );
}
