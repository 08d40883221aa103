/**
 * The typed merge-field catalogue (SPEC 6): every name a message or document template may
 * use, with its type. `money` fields are integer cents (render with `| money`), `date`
 * fields are local dates `YYYY-MM-DD` (render with `| date`), `list` fields are arrays a
 * template loops over (`{% for c in case.charges %}{{ c.amount | money }}{% endfor %}`).
 * A template that names anything else fails policy validation.
 */
import type { Cents } from '../money.js';
import type { LocalDate } from '../dates.js';
import type { PostalAddress } from '../portfolio/schema.js';

export type FieldType = 'text' | 'money' | 'date' | 'number' | 'list';

export interface MergeField {
  /** Dotted path, e.g. `case.past_due_rent`. */
  path: string;
  type: FieldType;
  description: string;
  /** For a `list` of records: the type of each field of an item; absent for a list of text. */
  items?: Readonly<Record<string, Exclude<FieldType, 'list'>>>;
}

const FIELDS: MergeField[] = [
  { path: 'tenant.name', type: 'text', description: 'full name of the tenant addressed' },
  { path: 'tenant.first_name', type: 'text', description: 'first name of the tenant' },
  { path: 'tenant.last_name', type: 'text', description: 'last name of the tenant' },
  { path: 'tenant.email', type: 'text', description: "tenant's e-mail address" },
  { path: 'tenant.phone', type: 'text', description: "tenant's phone number (E.164)" },
  { path: 'tenant.language', type: 'text', description: "tenant's language code (en, es …)" },
  { path: 'tenant.address', type: 'text', description: "tenant's mailing address, one line" },
  { path: 'lease.id', type: 'text', description: 'lease id' },
  { path: 'lease.unit', type: 'text', description: 'unit or space number' },
  { path: 'lease.rent', type: 'money', description: 'monthly rent' },
  { path: 'lease.space_type', type: 'text', description: 'space type (apartment, 10x10 …)' },
  { path: 'property.name', type: 'text', description: 'property name' },
  { path: 'property.legal_name', type: 'text', description: "owner's or manager's legal name" },
  { path: 'property.address', type: 'text', description: 'property address, one line' },
  { path: 'property.phone', type: 'text', description: 'office phone number' },
  { path: 'property.email', type: 'text', description: 'office e-mail address' },
  { path: 'property.pay_to.name', type: 'text', description: 'person or entity to pay' },
  {
    path: 'property.pay_to.address',
    type: 'text',
    description: 'address where payment is accepted',
  },
  {
    path: 'property.pay_to.hours',
    type: 'text',
    description: 'days and hours payment is accepted in person',
  },
  {
    path: 'property.office_contact',
    type: 'text',
    description: 'how to reach the office, one line',
  },
  { path: 'case.episode', type: 'number', description: 'case (episode) number of this lease' },
  { path: 'case.past_due', type: 'money', description: 'past-due amount (every counted category)' },
  {
    path: 'case.past_due_rent',
    type: 'money',
    description: 'past-due rent only (for notices that may demand rent only)',
  },
  {
    path: 'case.oldest_due_date',
    type: 'date',
    description: 'due date of the oldest unpaid charge',
  },
  {
    path: 'case.days_past_due',
    type: 'number',
    description: 'days since the oldest unpaid charge was due',
  },
  { path: 'case.anchor_date', type: 'date', description: "the case's anchor date" },
  {
    path: 'case.charges',
    type: 'list',
    description: 'unpaid past-due charges, oldest first',
    items: { description: 'text', due_date: 'date', amount: 'money' },
  },
  {
    path: 'notice.deadline',
    type: 'date',
    description: 'last day to pay or act, computed by the jurisdiction pack',
  },
  { path: 'notice.served_on', type: 'date', description: 'date the notice is served or mailed' },
  { path: 'notice.title', type: 'text', description: 'statutory name of the notice' },
  {
    path: 'notice.period_days',
    type: 'number',
    description: 'length of the notice period in days',
  },
  { path: 'notice.citation', type: 'text', description: 'statute the notice is given under' },
  {
    path: 'notice.period_text',
    type: 'text',
    description:
      'statutory wording of the notice period, e.g. "within three (3) days after service …"',
  },
  {
    path: 'notice.statements',
    type: 'list',
    description: 'other statutory sentences the jurisdiction pack requires in this notice',
  },
  { path: 'fee.amount', type: 'money', description: 'amount of the fee assessed by this stage' },
  { path: 'promise.amount', type: 'money', description: 'amount the tenant promised to pay' },
  { path: 'promise.date', type: 'date', description: 'date the tenant promised to pay by' },
  {
    path: 'plan.installments',
    type: 'list',
    description: 'installments of the payment plan',
    items: { due_date: 'date', amount: 'money' },
  },
  { path: 'pay_link', type: 'text', description: 'link to pay online' },
  { path: 'office_contact', type: 'text', description: 'how to reach the office, one line' },
  { path: 'today', type: 'date', description: 'the local date of rendering' },
];

export const MERGE_FIELDS: readonly MergeField[] = Object.freeze(
  FIELDS.map((f) => Object.freeze(f)),
);

const BY_PATH: ReadonlyMap<string, MergeField> = new Map(MERGE_FIELDS.map((f) => [f.path, f]));
const GROUPS: ReadonlySet<string> = new Set(
  MERGE_FIELDS.flatMap((f) => {
    const parts = f.path.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

/** The field at a dotted path, if it is in the catalogue. */
export function mergeField(path: string): MergeField | undefined {
  return BY_PATH.get(path);
}

/** Whether `path` names a group of fields (`tenant`, `property.pay_to`). */
export function isFieldGroup(path: string): boolean {
  return GROUPS.has(path);
}

/** Liquid's special properties, allowed after any field: `{{ case.charges.size }}`. */
const SIZE = 'size';
const LIST_ENDS = new Set(['first', 'last']);

/**
 * Whether a reference is known: a field, a group of fields (`{% if notice %}`), a list
 * item field (`case.charges[0].amount`, `case.charges.first.amount`) or `.size`.
 * `segments` are the reference's parts; numbers are list indexes.
 */
export function isKnownReference(segments: readonly (string | number)[]): boolean {
  let prefix = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (typeof seg !== 'string') return false;
    const path = prefix === '' ? seg : `${prefix}.${seg}`;
    const field = BY_PATH.get(path);
    if (field) return isKnownTail(field, segments.slice(i + 1));
    if (!GROUPS.has(path)) return false;
    prefix = path;
  }
  return true; // a group
}

function isKnownTail(field: MergeField, tail: readonly (string | number)[]): boolean {
  if (tail.length === 0) return true;
  const [head, ...rest] = tail;
  if (head === SIZE) return rest.length === 0;
  if (field.type !== 'list') return false;
  if (typeof head === 'number' || (typeof head === 'string' && LIST_ENDS.has(head)))
    return isKnownItemTail(field, rest);
  return false;
}

/** After a list item: one of its fields (and `.size`), or nothing. */
export function isKnownItemTail(field: MergeField, tail: readonly (string | number)[]): boolean {
  if (tail.length === 0) return true;
  const [head, ...rest] = tail;
  if (head === SIZE) return rest.length === 0;
  if (!field.items || typeof head !== 'string' || !(head in field.items)) return false;
  return rest.length === 0 || (rest.length === 1 && rest[0] === SIZE);
}

// ---------------------------------------------------------------------------------------
// The context object templates render against

export interface ChargeLine {
  description: string;
  due_date: LocalDate;
  amount: Cents;
}

export interface InstallmentLine {
  due_date: LocalDate;
  amount: Cents;
}

/**
 * The values of the catalogue. Absent values render as empty text; templates guard
 * optional parts with `{% if … %}`.
 */
export interface MergeContext {
  tenant: {
    name: string;
    first_name: string;
    last_name?: string;
    email?: string;
    phone?: string;
    language?: string;
    address?: string;
  };
  lease: { id: string; unit: string; rent: Cents; space_type?: string };
  property: {
    name: string;
    legal_name?: string;
    address?: string;
    phone?: string;
    email?: string;
    pay_to?: { name?: string; address?: string; hours?: string };
    office_contact?: string;
  };
  case: {
    episode: number;
    past_due: Cents;
    past_due_rent: Cents;
    oldest_due_date?: LocalDate;
    days_past_due?: number;
    anchor_date?: LocalDate;
    charges: ChargeLine[];
  };
  notice?: {
    deadline?: LocalDate;
    served_on?: LocalDate;
    title?: string;
    period_days?: number;
    citation?: string;
    period_text?: string;
    statements?: string[];
  };
  fee?: { amount: Cents };
  promise?: { amount?: Cents; date?: LocalDate };
  plan?: { installments: InstallmentLine[] };
  pay_link?: string;
  office_contact?: string;
  today: LocalDate;
}

/** A postal address on one line: `12 Oak St, Apt 4, Oakland, CA 94607`. */
export function formatPostalAddress(address: PostalAddress | undefined): string {
  if (address === undefined) return '';
  if (typeof address === 'string') return address;
  const cityLine = `${address.city}, ${address.region} ${address.postalCode}`.trim();
  return [
    address.line1,
    address.line2,
    cityLine,
    address.country === 'US' ? undefined : address.country,
  ]
    .filter((s): s is string => s !== undefined && s !== '')
    .join(', ');
}

/** First and last name from a full name (`Ana María Ruiz` → `Ana`, `Ruiz`). */
export function splitName(name: string): { first_name: string; last_name: string } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { first_name: parts[0] ?? '', last_name: '' };
  return { first_name: parts[0] as string, last_name: parts[parts.length - 1] as string };
}
