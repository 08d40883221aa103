/**
 * The policy file of SPEC 3.3 and the action catalogue of SPEC 3.4, as zod schemas.
 * Structural rules live here; rules that need the jurisdiction packs or the template
 * library live in validate.ts.
 */
import { z } from 'zod';
import { WEEKDAY_NAMES } from '../dates.js';
import {
  CATEGORIES,
  channel,
  clock,
  deliveryMethod,
  id,
  nonNegativeCents,
  positiveCents,
  propertyKind,
} from '../portfolio/schema.js';

export const RECIPIENTS = ['tenant', 'alternate', 'lienholder', 'guarantor'] as const;
export const recipient = z.enum(RECIPIENTS);
export type Recipient = z.infer<typeof recipient>;

const recurringOnce = z.enum(['once', 'per_invoice']).default('once');

const actionBase = { id, description: z.string().optional() };

export const messageAction = z.strictObject({
  ...actionBase,
  type: z.literal('message'),
  channel,
  template: id,
  to: z.array(recipient).min(1).default(['tenant']),
  fallback: channel.optional(),
  recurring: recurringOnce,
});

export const documentAction = z.strictObject({
  ...actionBase,
  type: z.literal('document'),
  template: id,
  delivery: z.array(deliveryMethod).default([]),
  to: z.array(recipient).min(1).default(['tenant']),
  recurring: recurringOnce,
});

export const feeAction = z
  .strictObject({
    ...actionBase,
    type: z.literal('fee'),
    kind: z.enum(['late', 'lien', 'admin']).default('late'),
    amountCents: positiveCents.optional(),
    percent: z.number().positive().max(100).optional(),
    of: z.enum(['monthly_rent', 'past_due_rent']).optional(),
    fromLease: z.boolean().optional(),
    capCents: nonNegativeCents.optional(),
    recurring: z.enum(['once', 'per_invoice', 'daily']).default('once'),
    maxDays: z.number().int().positive().optional(),
  })
  .superRefine((a, ctx) => {
    const ways = [a.amountCents !== undefined, a.percent !== undefined, a.fromLease === true];
    if (ways.filter(Boolean).length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'a fee needs exactly one of amountCents, percent (with `of`) or fromLease: true',
      });
    if (a.percent !== undefined && !a.of)
      ctx.addIssue({
        code: 'custom',
        path: ['of'],
        message: 'a percent fee needs `of`: monthly_rent or past_due_rent',
      });
    if (a.recurring === 'daily' && a.maxDays === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['maxDays'],
        message: 'a daily fee needs maxDays, the most days it may be charged',
      });
  });

export const TASK_CATEGORIES = [
  'collection_call',
  'overlock',
  'cut_lock_inventory',
  'advertise',
  'legal_review',
  'other',
] as const;

export const taskAction = z.strictObject({
  ...actionBase,
  type: z.literal('task'),
  title: z.string().min(1),
  category: z.enum(TASK_CATEGORIES).default('other'),
  assignee: z.string().optional(),
  dueInDays: z.number().int().nonnegative().default(0),
  recurring: recurringOnce,
});

export const ACCESS_TARGETS = ['gate', 'portal', 'online_payments'] as const;
export const accessAction = z
  .strictObject({
    ...actionBase,
    type: z.literal('access'),
    deny: z.array(z.enum(ACCESS_TARGETS)).optional(),
    restore: z.array(z.enum(ACCESS_TARGETS)).optional(),
    provider: z.string().optional(),
  })
  .superRefine((a, ctx) => {
    if (!a.deny?.length && !a.restore?.length)
      ctx.addIssue({ code: 'custom', message: 'an access action needs `deny` or `restore`' });
  });

export const statusAction = z.strictObject({
  ...actionBase,
  type: z.literal('status'),
  set: z.string().min(1),
});

export const insuranceAction = z.strictObject({
  ...actionBase,
  type: z.literal('insurance'),
  cancel: z.boolean().default(true),
});

export const overlockAction = z.strictObject({
  ...actionBase,
  type: z.literal('overlock'),
  assignee: z.string().optional(),
  dueInDays: z.number().int().nonnegative().default(0),
});
export const cutLockAction = z.strictObject({
  ...actionBase,
  type: z.literal('cut_lock'),
  assignee: z.string().optional(),
  dueInDays: z.number().int().nonnegative().default(0),
});

export const auctionAction = z.strictObject({
  ...actionBase,
  type: z.literal('auction'),
  inDays: z.number().int().nonnegative().optional(),
  at: clock.optional(),
});

export const escalateAction = z.strictObject({
  ...actionBase,
  type: z.literal('escalate'),
  to: z.enum(['legal', 'collections_agency', 'manager', 'owner']),
  packet: z.boolean().default(true),
});

export const writebackAction = z.strictObject({
  ...actionBase,
  type: z.literal('writeback'),
  target: z.string().min(1),
  fields: z.record(z.string(), z.string()).default({}),
});

export const webhookAction = z.strictObject({
  ...actionBase,
  type: z.literal('webhook'),
  url: z.string().url({ message: 'must be an absolute URL' }),
  event: z.string().min(1),
});

export const action = z.discriminatedUnion('type', [
  messageAction,
  documentAction,
  feeAction,
  taskAction,
  accessAction,
  statusAction,
  insuranceAction,
  overlockAction,
  cutLockAction,
  auctionAction,
  escalateAction,
  writebackAction,
  webhookAction,
]);
export type Action = z.infer<typeof action>;
export type ActionType = Action['type'];
export type MessageAction = z.infer<typeof messageAction>;
export type DocumentAction = z.infer<typeof documentAction>;
export type FeeAction = z.infer<typeof feeAction>;

export const STAGE_ANCHORS = [
  'delinquency_start',
  'previous_stage',
  'payment_reversal',
  'auction_completed',
] as const;

export const stage = z.strictObject({
  id,
  name: z.string().optional(),
  description: z.string().optional(),
  anchor: z.enum(STAGE_ANCHORS).default('delinquency_start'),
  day: z.number().int().nonnegative({ message: 'must be a whole number of days, 0 or more' }),
  required: z.boolean().default(false),
  minGapDays: z.number().int().nonnegative().default(0),
  approval: z.enum(['auto', 'manual', 'two_person']).default('auto'),
  when: z
    .strictObject({
      minPastDueCents: nonNegativeCents.optional(),
      maxPastDueCents: nonNegativeCents.optional(),
      minRentPastDueCents: nonNegativeCents.optional(),
      leaseTags: z.array(z.string()).optional(),
    })
    .optional(),
  actions: z.array(action).default([]),
});
export type Stage = z.infer<typeof stage>;

export const templateDef = z.strictObject({
  kind: z.enum(['message', 'document']),
  subject: z.string().optional(),
  body: z.string(),
  title: z.string().optional(),
});
export type TemplateDef = z.infer<typeof templateDef>;

export const policy = z.strictObject({
  id,
  version: z.number().int().positive().default(1),
  name: z.string().optional(),
  description: z.string().optional(),
  appliesTo: z
    .strictObject({
      jurisdiction: z.string().optional(),
      kind: propertyKind.optional(),
      spaceTypes: z.array(z.string()).optional(),
      leaseTags: z.array(z.string()).optional(),
      propertyIds: z.array(z.string()).optional(),
    })
    .default({}),
  trigger: z
    .strictObject({
      minPastDueCents: nonNegativeCents.default(0),
      minDaysPastDue: z.number().int().nonnegative().default(1),
      categories: z.array(z.enum(CATEGORIES)).min(1).default(['rent', 'fee', 'utility', 'other']),
    })
    .default({
      minPastDueCents: 0,
      minDaysPastDue: 1,
      categories: ['rent', 'fee', 'utility', 'other'],
    }),
  exit: z
    .strictObject({ maxPastDueCents: nonNegativeCents.default(0) })
    .default({ maxPastDueCents: 0 }),
  calendar: z.enum(['calendar', 'business']).default('calendar'),
  holidays: z.string().default('US'),
  sendWindow: z
    .strictObject({ start: clock, end: clock })
    .default({ start: '08:00', end: '20:00' }),
  quietDays: z.array(z.enum(WEEKDAY_NAMES)).default([]),
  frequencyCaps: z
    .partialRecord(
      channel,
      z.strictObject({ max: z.number().int().positive(), perDays: z.number().int().positive() }),
    )
    .default({ voice: { max: 7, perDays: 7 } }),
  onHoldRelease: z.enum(['shift', 'resume']).default('shift'),
  catchUp: z.enum(['latest', 'all']).default('latest'),
  partialPayment: z.enum(['keep_anchor', 'reanchor']).default('keep_anchor'),
  reversal: z.strictObject({ anchorStage: id }).optional(),
  onPromiseBroken: z
    .strictObject({
      task: z.strictObject({
        title: z.string().min(1),
        assignee: z.string().optional(),
        dueInDays: z.number().int().nonnegative().default(0),
      }),
    })
    .optional(),
  staleLedgerHours: z.number().positive().default(36),
  recentPaymentDays: z.number().int().nonnegative().default(3),
  reviewAboveCents: nonNegativeCents.optional(),
  mode: z.enum(['supervised', 'assisted', 'autopilot']).default('supervised'),
  stages: z.array(stage).min(1, { message: 'a policy needs at least one stage' }),
  templates: z.record(z.string(), templateDef).default({}),
});
export type Policy = z.infer<typeof policy>;
export type PolicyInput = z.input<typeof policy>;
