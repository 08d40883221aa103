/**
 * Staff decide what a reply suggested (SPEC R12: "in supervised and assisted modes the other
 * intents create a suggested event that a human confirms"). Confirming turns the suggestion
 * into ordinary SPEC 3.1 events (the same rows `arrears event` writes) and outbox tasks;
 * dismissing it releases the hold the reply itself placed, when it placed one. One
 * transaction per decision, audited; a suggestion is decided once.
 *
 *   kind          confirm                                         dismiss
 *   promise       `promise` {amountCents?, until}: a promise hold  —
 *   payment_plan  task: offer a payment plan (collections)         —
 *   dispute       `dispute` (the reply's dispute hold stays)       `release` dispute
 *   hardship      `hold` hardship {until?} + `release` review      `release` review
 *   paid_claim    task: find the payment (finance); review stays   `release` review
 *   legal         task: legal review (legal); review stays         `release` review
 *   hostile       task: manager review; review stays               `release` review
 *   wrong_number  `delivery` undelivered (the number is bad) + task —
 *   callback      task: call or write back (collections)           —
 *
 * `--amount` and `--until` correct what the classifier extracted (a promise needs a date).
 */
import { addDays, isLocalDate } from '../domain/dates.js';
import { AppError, InputError } from '../domain/errors.js';
import { portfolioEvent, type PortfolioEvent } from '../domain/portfolio/schema.js';
import { epochToLocal } from '../domain/time.js';
import { zodIssuesToInputIssues } from '../domain/validation.js';
import { READ_ONLY_ROLES, type Role } from './ports/auth.js';
import type { JsonObject, NewOutboxItem } from './ports/outbox.js';
import type {
  InboundDeps,
  ReplyQuery,
  StoredReply,
  Suggestion,
  SuggestionKind,
  SuggestionQuery,
  SuggestionView,
} from './receive-reply.js';

/** The member of staff deciding. */
export interface Decider {
  id: string;
  email: string;
  role: Role;
}

export interface ConfirmInput {
  /** Corrects the promised amount (integer cents). */
  amountCents?: number;
  /** The promised date (a promise), or the end of a hardship hold. */
  until?: string;
}

export interface SuggestionOutcome {
  id: string;
  status: 'confirmed' | 'dismissed';
  kind: SuggestionKind;
  leaseId: string;
  /** The events recorded now (as stored). */
  events: PortfolioEvent[];
  /** Outbox keys of the tasks queued. */
  tasks: string[];
  reason: string | null;
  decidedBy: string;
  decidedAt: string;
}

interface TaskSpec {
  title: string;
  category: 'collection_call' | 'legal_review' | 'other';
  assignee: string;
  dueInDays: number;
}

const TASKS: Partial<Record<SuggestionKind, TaskSpec>> = {
  payment_plan: {
    title: 'Tenant asked for a payment plan: offer one',
    category: 'collection_call',
    assignee: 'role:collections',
    dueInDays: 1,
  },
  paid_claim: {
    title: 'Tenant says they paid: find the payment',
    category: 'other',
    assignee: 'role:finance',
    dueInDays: 1,
  },
  legal: {
    title: 'Legal reply: review before any further contact',
    category: 'legal_review',
    assignee: 'role:legal',
    dueInDays: 0,
  },
  hostile: {
    title: 'Hostile reply: review the case',
    category: 'other',
    assignee: 'role:manager',
    dueInDays: 1,
  },
  wrong_number: {
    title: "Wrong number: update the tenant's contact details",
    category: 'other',
    assignee: 'role:collections',
    dueInDays: 2,
  },
  callback: {
    title: 'Tenant asked for help: call or write back',
    category: 'collection_call',
    assignee: 'role:collections',
    dueInDays: 0,
  },
};

/** The hold the reply event itself placed (R12), released when staff dismiss it. */
const REPLY_HOLD: Partial<Record<SuggestionKind, 'dispute' | 'review'>> = {
  dispute: 'dispute',
  hardship: 'review',
  paid_claim: 'review',
  legal: 'review',
  hostile: 'review',
};

function assertMayDecide(by: Decider): void {
  if (READ_ONLY_ROLES.includes(by.role))
    throw new AppError(
      'forbidden',
      `${by.email} is ${/^[aeiou]/.test(by.role) ? 'an' : 'a'} ${by.role}, who may only read suggestions`,
    );
}

function assertOpen(s: Suggestion | undefined, id: string): asserts s is Suggestion {
  if (!s)
    throw new AppError(
      'not_found',
      `no suggestion ${id}; \`arrears suggestions\` lists the open ones`,
    );
  if (s.status !== 'open')
    throw new AppError(
      'conflict',
      `suggestion ${id} was already ${s.status}${s.decidedBy ? ` by ${s.decidedBy}` : ''}${s.decidedAt ? ` at ${s.decidedAt}` : ''}`,
    );
}

function checkInput(input: ConfirmInput): void {
  const issues = [];
  if (
    input.amountCents !== undefined &&
    (!Number.isInteger(input.amountCents) || input.amountCents <= 0)
  )
    issues.push({
      path: 'amountCents',
      message: `must be a positive whole number of cents (e.g. 20000 for $200.00), not ${String(input.amountCents)}`,
    });
  if (input.until !== undefined && !isLocalDate(input.until))
    issues.push({ path: 'until', message: 'must be a local date YYYY-MM-DD' });
  if (issues.length > 0) throw new InputError(issues);
}

function parseEvents(events: unknown[]): PortfolioEvent[] {
  return events.map((e, i) => {
    const r = portfolioEvent.safeParse(e);
    if (!r.success)
      throw new InputError(
        zodIssuesToInputIssues(r.error.issues, { input: e, schema: portfolioEvent }).map((x) => ({
          ...x,
          path: `events[${i}].${x.path}`,
        })),
      );
    return r.data;
  });
}

function confirmEvents(
  s: Suggestion,
  input: ConfirmInput,
  today: string,
  by: string,
): PortfolioEvent[] {
  const base = { leaseId: s.leaseId, date: today, by };
  const id = (type: string) => `suggestion:${s.id}:${type}`;
  switch (s.kind) {
    case 'promise': {
      const until = input.until ?? s.proposal.until;
      if (until === undefined)
        throw new InputError([
          {
            path: 'until',
            message:
              'the reply named no date: give the date the tenant promised to pay (--until YYYY-MM-DD)',
          },
        ]);
      if (until < today)
        throw new InputError([
          {
            path: 'until',
            message: `${until} is before today (${today}): give the date the tenant promised to pay`,
          },
        ]);
      const amountCents = input.amountCents ?? s.proposal.amountCents;
      return parseEvents([
        {
          ...base,
          id: id('promise'),
          type: 'promise',
          until,
          ...(amountCents !== undefined ? { amountCents } : {}),
        },
      ]);
    }
    case 'dispute':
      return parseEvents([
        { ...base, id: id('dispute'), type: 'dispute', reason: `tenant reply ${s.replyId}` },
      ]);
    case 'hardship': {
      if (input.until !== undefined && input.until < today)
        throw new InputError([
          { path: 'until', message: `${input.until} is before today (${today})` },
        ]);
      return parseEvents([
        {
          ...base,
          id: id('hold'),
          type: 'hold',
          hold: 'hardship',
          ...(input.until !== undefined ? { until: input.until } : {}),
        },
        { ...base, id: id('release'), type: 'release', hold: 'review' },
      ]);
    }
    case 'wrong_number':
      return s.tenantId === null
        ? []
        : parseEvents([
            {
              ...base,
              id: id('delivery'),
              type: 'delivery',
              status: 'undelivered',
              channel: s.channel,
              contactId: s.tenantId,
            },
          ]);
    default:
      return [];
  }
}

/**
 * Locks the open suggestion `id` and reads its lease. A decider limited to some properties
 * (`propertyIds`, as the principal's) gets another property's suggestion answered exactly
 * like a missing one, before its status could show through a 409.
 */
async function openSuggestion<Tx>(
  deps: InboundDeps<Tx>,
  tx: Tx,
  orgId: string,
  id: string,
  propertyIds: readonly string[] | null,
) {
  const s = await deps.suggestions.lock(tx, orgId, id);
  const lease = s && (await deps.inbound.leaseFacts(tx, orgId, s.leaseId));
  if (s && propertyIds !== null && (!lease || !propertyIds.includes(lease.propertyId)))
    assertOpen(undefined, id);
  assertOpen(s, id);
  if (!lease)
    throw new AppError('not_found', `lease ${s.leaseId} of suggestion ${s.id} no longer exists`);
  return { s, lease };
}

/**
 * Confirms an open suggestion: its events are recorded and its task queued. `propertyIds`
 * limits the decider to those properties' suggestions (null: every one).
 */
export async function confirmSuggestion<Tx>(
  deps: InboundDeps<Tx>,
  orgId: string,
  id: string,
  by: Decider,
  input: ConfirmInput = {},
  propertyIds: readonly string[] | null = null,
): Promise<SuggestionOutcome> {
  assertMayDecide(by);
  checkInput(input);
  const actor = `user:${by.id}`;
  return deps.inbound.transaction(orgId, async (tx) => {
    const { s, lease } = await openSuggestion(deps, tx, orgId, id, propertyIds);
    const nowMs = deps.clock.now();
    const now = new Date(nowMs).toISOString();
    const today = epochToLocal(nowMs, lease.timezone).date;
    const events = confirmEvents(s, input, today, by.email);

    const spec = TASKS[s.kind];
    const items: NewOutboxItem[] = [];
    if (spec) {
      const episode = lease.openEpisode ?? s.episode ?? lease.lastEpisode ?? 1;
      items.push({
        key: `${s.leaseId}:${episode}:$reply:${s.kind}:${s.id}`,
        leaseId: s.leaseId,
        episode,
        stage: '$reply',
        action: s.kind,
        type: 'task',
        channel: null,
        method: null,
        contactId: s.tenantId,
        dueAt: now,
        payload: {
          title: spec.title,
          category: spec.category,
          assignee: spec.assignee,
          dueDate: addDays(today, spec.dueInDays),
          suggestionId: s.id,
          replyId: s.replyId,
          date: today,
        },
        policyId: null,
        policyVersion: null,
        amountCents: null,
        approvalsRequired: 0,
        pastDueCents: null,
      });
    }

    const decision: JsonObject = {
      events: events as unknown as JsonObject[],
      tasks: items.map((i) => i.key),
      ...(input.amountCents !== undefined ? { amountCents: input.amountCents } : {}),
      ...(input.until !== undefined ? { until: input.until } : {}),
    };
    if (
      !(await deps.suggestions.decide(tx, orgId, id, {
        status: 'confirmed',
        by: actor,
        at: now,
        decision,
      }))
    )
      throw new AppError('conflict', `suggestion ${id} was decided by someone else meanwhile`);
    await deps.inbound.addEvents(tx, orgId, events, { source: 'suggestion', actor, at: now });
    const tasks = items.length > 0 ? await deps.outbox.insertItems(tx, orgId, items, actor) : [];
    await deps.inbound.audit(tx, orgId, [
      {
        at: now,
        actor,
        type: 'suggestion.confirmed',
        subject: `lease:${s.leaseId}`,
        data: {
          id,
          replyId: s.replyId,
          kind: s.kind,
          events: events.map((e) => e.type),
          tasks,
          ...(input.amountCents !== undefined ? { amountCents: input.amountCents } : {}),
          ...(input.until !== undefined ? { until: input.until } : {}),
        },
      },
    ]);
    return {
      id,
      status: 'confirmed',
      kind: s.kind,
      leaseId: s.leaseId,
      events,
      tasks,
      reason: null,
      decidedBy: by.email,
      decidedAt: now,
    };
  });
}

/**
 * Dismisses an open suggestion; a hold the reply placed is released (see the table above).
 * `propertyIds` as for `confirmSuggestion`.
 */
export async function dismissSuggestion<Tx>(
  deps: InboundDeps<Tx>,
  orgId: string,
  id: string,
  by: Decider,
  reason: string,
  propertyIds: readonly string[] | null = null,
): Promise<SuggestionOutcome> {
  assertMayDecide(by);
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (why === '')
    throw new InputError([
      { path: 'reason', message: 'say why it is dismissed, for the audit log' },
    ]);
  const actor = `user:${by.id}`;
  return deps.inbound.transaction(orgId, async (tx) => {
    const { s, lease } = await openSuggestion(deps, tx, orgId, id, propertyIds);
    const nowMs = deps.clock.now();
    const now = new Date(nowMs).toISOString();
    const today = epochToLocal(nowMs, lease.timezone).date;
    const hold = REPLY_HOLD[s.kind];
    const events = hold
      ? parseEvents([
          {
            leaseId: s.leaseId,
            date: today,
            by: by.email,
            id: `suggestion:${s.id}:release`,
            type: 'release',
            hold,
          },
        ])
      : [];
    const decision: JsonObject = { reason: why, events: events as unknown as JsonObject[] };
    if (
      !(await deps.suggestions.decide(tx, orgId, id, {
        status: 'dismissed',
        by: actor,
        at: now,
        decision,
      }))
    )
      throw new AppError('conflict', `suggestion ${id} was decided by someone else meanwhile`);
    await deps.inbound.addEvents(tx, orgId, events, { source: 'suggestion', actor, at: now });
    await deps.inbound.audit(tx, orgId, [
      {
        at: now,
        actor,
        type: 'suggestion.dismissed',
        subject: `lease:${s.leaseId}`,
        data: {
          id,
          replyId: s.replyId,
          kind: s.kind,
          reason: why,
          events: events.map((e) => e.type),
        },
      },
    ]);
    return {
      id,
      status: 'dismissed',
      kind: s.kind,
      leaseId: s.leaseId,
      events,
      tasks: [],
      reason: why,
      decidedBy: by.email,
      decidedAt: now,
    };
  });
}

/** Suggestions (default: the open ones), oldest first. */
export function listSuggestions<Tx>(
  deps: Pick<InboundDeps<Tx>, 'suggestions'>,
  orgId: string,
  query: Partial<SuggestionQuery> = {},
): Promise<SuggestionView[]> {
  return deps.suggestions.list(orgId, { status: 'open', limit: 1000, ...query });
}

/** Stored replies (all, of one lease, or the unmatched ones for the exception list). */
export function listReplies<Tx>(
  deps: Pick<InboundDeps<Tx>, 'inbound'>,
  orgId: string,
  query: Partial<ReplyQuery> = {},
): Promise<StoredReply[]> {
  return deps.inbound.listReplies(orgId, { limit: 1000, ...query });
}
