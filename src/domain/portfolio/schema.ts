/**
 * The portfolio file of SPEC 3.1 and the domain model of SPEC 2, as zod schemas.
 * Objects are strict: an unknown key is an error that names its JSON path.
 */
import { z } from 'zod';
import { isClock, isLocalDate } from '../dates.js';

export const localDate = z
  .string()
  .refine(isLocalDate, { message: 'must be a real local date written YYYY-MM-DD' });
export const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/, {
  message: 'must be an ISO-8601 UTC instant ending in Z, e.g. 2026-10-01T16:00:00Z',
});
export const clock = z
  .string()
  .refine(isClock, { message: 'must be a local time HH:MM (00:00–23:59)' });
export const positiveCents = z
  .number({ message: 'must be a number of cents' })
  .int({ message: 'must be whole cents (an integer), e.g. 150000 for $1,500.00' })
  .positive({ message: 'must be a positive number of cents' });
export const nonNegativeCents = z
  .number({ message: 'must be a number of cents' })
  .int({ message: 'must be whole cents (an integer), e.g. 150000 for $1,500.00' })
  .nonnegative({ message: 'must not be negative' });
export const id = z.string().min(1, { message: 'must be a non-empty id' });

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
}
export const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'must be an IANA time zone such as America/Los_Angeles' });

export const PROPERTY_KINDS = ['residential', 'commercial', 'storage'] as const;
export const propertyKind = z.enum(PROPERTY_KINDS);
export type PropertyKind = z.infer<typeof propertyKind>;

export const postalAddress = z.union([
  z.string().min(1),
  z.strictObject({
    line1: z.string().min(1),
    line2: z.string().optional(),
    city: z.string().min(1),
    region: z.string().min(1),
    postalCode: z.string().min(1),
    country: z.string().min(2).default('US'),
  }),
]);
export type PostalAddress = z.infer<typeof postalAddress>;

export const property = z.strictObject({
  id,
  name: z.string().min(1),
  timezone: timeZone,
  jurisdiction: z
    .string()
    .regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, { message: 'must be a code such as US-CA' }),
  kind: propertyKind,
  ownerId: z.string().optional(),
  runAt: clock.default('09:00'),
  address: postalAddress.optional(),
  legalName: z.string().optional(),
  payTo: z
    .strictObject({
      name: z.string().optional(),
      address: postalAddress.optional(),
      hours: z.string().optional(),
    })
    .optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  unitCount: z.number().int().positive().optional(),
  tags: z.array(z.string()).optional(),
});
export type Property = z.infer<typeof property>;

export const CHANNELS = ['sms', 'email', 'voice', 'portal', 'chat'] as const;
export const channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof channel>;

export const CONTACT_ROLES = ['primary', 'alternate', 'lienholder', 'guarantor'] as const;
export const contactRole = z.enum(CONTACT_ROLES);
export type ContactRole = z.infer<typeof contactRole>;

export const e164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 phone number such as +14155550101' });

export const tenant = z.strictObject({
  id,
  name: z.string().min(1),
  email: z.string().email({ message: 'must be an e-mail address' }).optional(),
  phone: e164.optional(),
  address: postalAddress.optional(),
  language: z.string().min(2).default('en'),
  timezone: timeZone.optional(),
  consent: z
    .strictObject({
      sms: z.boolean().optional(),
      email: z.boolean().optional(),
      voice: z.boolean().optional(),
      eNotices: z.boolean().optional(),
      portal: z.boolean().optional(),
      chat: z.boolean().optional(),
    })
    .default({}),
  role: contactRole.default('primary'),
  military: z.boolean().optional(),
});
export type Tenant = z.infer<typeof tenant>;

export const lease = z.strictObject({
  id,
  propertyId: id,
  unit: z.string().default(''),
  spaceType: z.string().optional(),
  tenantIds: z.array(id).min(1, { message: 'must list at least one tenant id' }),
  rentCents: nonNegativeCents,
  status: z.string().optional(),
  tags: z.array(z.string()).default([]),
  terms: z
    .strictObject({
      lateFeeCents: nonNegativeCents.optional(),
      graceDays: z.number().int().nonnegative().optional(),
    })
    .optional(),
  sourceId: z.string().optional(),
  autopay: z.boolean().optional(),
  startDate: localDate.optional(),
  endDate: localDate.optional(),
});
export type Lease = z.infer<typeof lease>;

export const LEDGER_TYPES = ['charge', 'payment', 'credit', 'reversal', 'writeoff'] as const;
export const CATEGORIES = ['rent', 'fee', 'utility', 'deposit', 'other'] as const;
export const category = z.enum(CATEGORIES);
export type Category = z.infer<typeof category>;

export const ledgerEntry = z
  .strictObject({
    id,
    leaseId: id,
    date: localDate,
    type: z.enum(LEDGER_TYPES),
    category: category.optional(),
    amountCents: positiveCents,
    dueDate: localDate.optional(),
    reverses: z.string().optional(),
    appliesTo: z.string().optional(),
    memo: z.string().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'charge' && !e.dueDate)
      ctx.addIssue({
        code: 'custom',
        path: ['dueDate'],
        message: 'a charge needs a dueDate (YYYY-MM-DD); add the date the charge is due',
      });
    if (e.type === 'reversal' && !e.reverses)
      ctx.addIssue({
        code: 'custom',
        path: ['reverses'],
        message: 'a reversal needs `reverses`: the id of the payment or entry it cancels',
      });
  });
export type LedgerEntry = z.infer<typeof ledgerEntry>;

export const source = z.strictObject({
  id,
  kind: z.string().min(1),
  lastSyncAt: instant.optional(),
});
export type Source = z.infer<typeof source>;

export const HOLD_TYPES = [
  'dispute',
  'promise',
  'payment_plan',
  'hardship',
  'legal',
  'bankruptcy',
  'military',
  'review',
  'service_failed',
  'stale_ledger',
  'manual',
] as const;
export const holdType = z.enum(HOLD_TYPES);
export type HoldType = z.infer<typeof holdType>;
export const HOLD_SCOPES = ['lease', 'tenant', 'charge', 'property', 'organisation'] as const;
export const holdScope = z.enum(HOLD_SCOPES);
export type HoldScope = z.infer<typeof holdScope>;

export const DELIVERY_STATUSES = [
  'delivered',
  'bounced',
  'failed',
  'undelivered',
  'returned',
] as const;
export const CLOSE_OUTCOMES = [
  'written_off',
  'moved_out',
  'auction_completed',
  'placed_with_agency',
  'manual',
  'paid',
] as const;
export const TENANT_STATUSES = ['grace', 'at_risk', 'bankruptcy', 'current'] as const;
export const DELIVERY_METHODS = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
  'email',
  'sms_link',
  'portal',
] as const;
export const deliveryMethod = z.enum(DELIVERY_METHODS);
export type DeliveryMethod = z.infer<typeof deliveryMethod>;

const eventBase = {
  leaseId: id.optional(),
  tenantId: id.optional(),
  propertyId: id.optional(),
  date: localDate,
  id: z.string().optional(),
  at: instant.optional(),
  by: z.string().optional(),
  note: z.string().optional(),
};

export const portfolioEvent = z.discriminatedUnion('type', [
  z.strictObject({
    ...eventBase,
    type: z.literal('reply'),
    channel,
    text: z.string(),
    from: z.string().optional(),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('delivery'),
    status: z.enum(DELIVERY_STATUSES),
    key: z.string().optional(),
    channel: channel.optional(),
    method: deliveryMethod.optional(),
    contactId: id.optional(),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('hold'),
    hold: holdType,
    until: localDate.optional(),
    scope: holdScope.default('lease'),
    chargeId: id.optional(),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('release'),
    hold: holdType,
    scope: holdScope.optional(),
    chargeId: id.optional(),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('promise'),
    amountCents: positiveCents.optional(),
    until: localDate,
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('plan'),
    installments: z
      .array(z.strictObject({ dueDate: localDate, amountCents: positiveCents }))
      .min(1, { message: 'a payment plan needs at least one installment' }),
  }),
  z.strictObject({ ...eventBase, type: z.literal('dispute'), reason: z.string().optional() }),
  z.strictObject({ ...eventBase, type: z.literal('flag'), reason: z.string().optional() }),
  z.strictObject({ ...eventBase, type: z.literal('status'), status: z.enum(TENANT_STATUSES) }),
  z.strictObject({ ...eventBase, type: z.literal('auction_completed') }),
  z.strictObject({
    ...eventBase,
    type: z.literal('close'),
    outcome: z.enum(CLOSE_OUTCOMES).default('manual'),
    reason: z.string().optional(),
  }),
  z.strictObject({ ...eventBase, type: z.literal('approve'), key: z.string().min(1) }),
  z.strictObject({
    ...eventBase,
    type: z.literal('reject'),
    key: z.string().min(1),
    reason: z.string().optional(),
  }),
]);
export type PortfolioEvent = z.infer<typeof portfolioEvent>;

export const onboardedCase = z.strictObject({
  leaseId: id,
  episode: z.number().int().positive(),
  anchor: localDate,
  opened: localDate.optional(),
  stagesDone: z.array(z.strictObject({ stageId: id, date: localDate })).default([]),
});
export type OnboardedCase = z.infer<typeof onboardedCase>;

export const portfolio = z.strictObject({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 currency code such as USD' })
    .default('USD'),
  asOf: localDate.optional(),
  properties: z.array(property),
  tenants: z.array(tenant),
  leases: z.array(lease),
  ledger: z.array(ledgerEntry),
  sources: z.array(source).default([]),
  events: z.array(portfolioEvent).default([]),
  cases: z.array(onboardedCase).default([]),
});
export type Portfolio = z.infer<typeof portfolio>;
export type PortfolioInput = z.input<typeof portfolio>;
