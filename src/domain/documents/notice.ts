/**
 * The notice model: everything a mailed notice says, worked out before any layout, so the
 * PDF renderer only places it on pages. Built from the lease as the evaluator sees it, the
 * case, the template (policy inline or library, in the tenant's language) and the
 * jurisdiction pack:
 *
 * - letterhead: the owner's legal name, address and phone;
 * - recipient: the contact's name and mailing address;
 * - itemised balance on the mailing date (balance.ts); a notice that may demand rent only
 *   (`RENT_ONLY_TEMPLATES`) itemises and states rent alone;
 * - statutory terms: the governing rule, its wording slots and the deadline its counting
 *   rule gives for this mailing date and method (deadline.ts);
 * - pay-to details;
 * - the template's title and body rendered with the merge fields (templates/fields.ts).
 *
 * Pure: the mailing date is an argument; the same input gives the same model.
 */
import type { LocalDate } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import type { ContactRole, DeliveryMethod, PostalAddress } from '../portfolio/schema.js';
import { mergeContextFor } from '../templates/context.js';
import { formatPostalAddress, type MergeContext } from '../templates/fields.js';
import {
  formatLongDate,
  renderTemplate,
  resolveTemplate,
  type Locale,
} from '../templates/render.js';
import { itemisedBalance, type ItemisedBalance } from './balance.js';
import {
  describeCounting,
  MethodNotAcceptedError,
  noticeTerms,
  type NoticeTerms,
} from './deadline.js';

/** Notices that may demand rent only (SPEC 6: `case.past_due_rent`), never fees. */
export const RENT_ONLY_TEMPLATES: ReadonlySet<string> = new Set(['pay-or-quit-notice']);

export interface NoticeInput {
  lease: LeaseInput;
  /** The contact the notice is addressed to (one of `lease.contacts`). */
  contactId: string;
  episode: number;
  templateId: string;
  method: DeliveryMethod;
  /** Local date of mailing (or service): the day the period counts from. */
  servedOn: LocalDate;
  /** The outbox key of the delivery, printed on every page. */
  reference?: string;
  anchorDate?: LocalDate;
  payLink?: string;
  currency?: string;
}

export interface NoticeParty {
  name: string;
  /** Postal lines, top to bottom. */
  addressLines: string[];
}

export interface StatutoryTerms extends NoticeTerms {
  /** How the period was counted, in the notice's language. */
  countingText: string;
}

export interface NoticeModel {
  templateId: string;
  /** The template key used: `pre-lien-notice.es` … */
  templateKey: string;
  templateSource: 'policy' | 'library';
  locale: Locale;
  currency: string;
  reference: string | null;
  method: DeliveryMethod;
  servedOn: LocalDate;
  leaseId: string;
  episode: number;
  letterhead: NoticeParty & { phone?: string; email?: string };
  recipient: NoticeParty & { contactId: string; role: ContactRole };
  premises: { propertyName: string; unit: string; addressLines: string[] };
  title: string;
  /** The rendered body, without the leading letterhead lines the layout prints itself. */
  body: string;
  demand: 'rent_only' | 'all_charges';
  balance: ItemisedBalance;
  statutory?: StatutoryTerms;
  payTo: NoticeParty & { hours?: string; phone?: string; email?: string; link?: string };
}

export type NoticeErrorCode =
  'no_contact' | 'no_address' | 'unknown_template' | 'not_a_document' | 'method_not_accepted';

/** The notice cannot be made from this input; `code` says why (the sender's rejection code). */
export class NoticeError extends Error {
  constructor(
    readonly code: NoticeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NoticeError';
  }
}

/** Postal lines: a one-line address stays one line; a structured one is split the usual way. */
export function addressLines(address: PostalAddress | undefined): string[] {
  if (address === undefined) return [];
  if (typeof address === 'string') return [address];
  return [
    address.line1,
    address.line2,
    `${address.city}, ${address.region} ${address.postalCode}`.trim(),
    address.country === 'US' ? undefined : address.country,
  ].filter((s): s is string => s !== undefined && s.trim() !== '');
}

export function buildNotice(input: NoticeInput): NoticeModel {
  const { lease: leaseInput, servedOn, method } = input;
  const { property, lease, policy } = leaseInput;
  const contact = leaseInput.contacts.find((c) => c.id === input.contactId);
  if (!contact)
    throw new NoticeError('no_contact', `${input.contactId} is not a contact of lease ${lease.id}`);
  if (contact.address === undefined)
    throw new NoticeError('no_address', `${contact.id} has no mailing address`);

  const template = resolveTemplate(input.templateId, contact.language, policy.templates);
  if (!template)
    throw new NoticeError('unknown_template', `no template has id \`${input.templateId}\``);
  if (template.kind !== 'document')
    throw new NoticeError(
      'not_a_document',
      `\`${input.templateId}\` is a message template, not a document`,
    );
  const locale = template.locale;
  const currency = input.currency ?? 'USD';

  let terms: NoticeTerms | undefined;
  try {
    terms = noticeTerms(property.jurisdiction, property.kind, input.templateId, servedOn, method);
  } catch (e) {
    if (e instanceof MethodNotAcceptedError)
      throw new NoticeError('method_not_accepted', e.message);
    throw e;
  }
  const statutory: StatutoryTerms | undefined = terms && {
    ...terms,
    countingText: describeCounting(terms, locale),
  };

  const balance = itemisedBalance(leaseInput, servedOn, locale);
  const demand = RENT_ONLY_TEMPLATES.has(input.templateId) ? 'rent_only' : 'all_charges';
  const demanded = demand === 'rent_only' ? balance.rentLines : balance.lines;

  const sender = property.legalName ?? property.name;
  const propertyAddress = formatPostalAddress(property.address);
  const tenantAddress = formatPostalAddress(contact.address);
  const payToAddress = property.payTo?.address ?? property.address;

  // The merge fields messages render with (templates/context.ts), with the notice's own
  // amounts on top: charges under a charge hold left out, rent alone in a rent-only notice.
  const base = mergeContextFor(leaseInput, {
    date: servedOn,
    contactId: contact.id,
    episode: input.episode,
    ...(input.payLink ? { payLink: input.payLink } : {}),
  });
  const context: MergeContext = {
    ...base,
    tenant: { ...base.tenant, address: tenantAddress },
    property: {
      ...base.property,
      pay_to: {
        name: property.payTo?.name ?? sender,
        ...(payToAddress ? { address: formatPostalAddress(payToAddress) } : {}),
        ...(property.payTo?.hours ? { hours: property.payTo.hours } : {}),
      },
    },
    case: {
      episode: input.episode,
      past_due: balance.pastDueCents,
      past_due_rent: balance.pastDueRentCents,
      ...(balance.oldestDueDate ? { oldest_due_date: balance.oldestDueDate } : {}),
      ...(balance.daysPastDue !== undefined ? { days_past_due: balance.daysPastDue } : {}),
      ...(input.anchorDate ? { anchor_date: input.anchorDate } : {}),
      // A rent-only notice never lists other charges, whatever its template loops over.
      charges: demanded.map((l) => ({
        description: l.description,
        due_date: l.dueDate,
        amount: l.unpaidCents,
      })),
    },
    notice: {
      served_on: servedOn,
      ...(terms
        ? {
            deadline: terms.deadline,
            title: terms.title,
            period_days: terms.periodDays,
            citation: terms.citation,
            ...(terms.periodText !== undefined ? { period_text: terms.periodText } : {}),
            statements: terms.statements,
          }
        : { statements: [] }),
    },
  };
  const rendered = renderTemplate(template, context, locale, currency);

  const headerLines = new Set(
    [
      sender,
      propertyAddress,
      property.phone,
      formatLongDate(servedOn, locale),
      contact.name,
      tenantAddress,
    ].filter((s): s is string => !!s),
  );

  return {
    templateId: input.templateId,
    templateKey: template.key,
    templateSource: template.source,
    locale,
    currency,
    reference: input.reference ?? null,
    method,
    servedOn,
    leaseId: lease.id,
    episode: input.episode,
    letterhead: {
      name: sender,
      addressLines: addressLines(property.address),
      ...(property.phone ? { phone: property.phone } : {}),
      ...(property.email ? { email: property.email } : {}),
    },
    recipient: {
      contactId: contact.id,
      role: contact.role,
      name: contact.name,
      addressLines: addressLines(contact.address),
    },
    premises: {
      propertyName: property.name,
      unit: lease.unit,
      addressLines: addressLines(property.address),
    },
    ...titleAndBody(
      rendered.title ?? input.templateId,
      withoutLetterhead(rendered.body, headerLines),
    ),
    demand,
    balance,
    ...(statutory ? { statutory } : {}),
    payTo: {
      name: property.payTo?.name ?? sender,
      addressLines: addressLines(payToAddress),
      ...(property.payTo?.hours ? { hours: property.payTo.hours } : {}),
      ...(property.phone ? { phone: property.phone } : {}),
      ...(property.email ? { email: property.email } : {}),
      ...(input.payLink ? { link: input.payLink } : {}),
    },
  };
}

/**
 * The body without its leading letterhead block: the layout prints the sender, date and
 * recipient itself (and an address printed twice confuses window envelopes). Only leading
 * lines that repeat those values go; a template that starts otherwise is left whole.
 */
export function withoutLetterhead(body: string, headerLines: ReadonlySet<string>): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i]!.trim() === '' || headerLines.has(lines[i]!.trim()))) i++;
  return lines.slice(i).join('\n');
}

/**
 * The title, and the body without a first line that repeats it: the library's notices open
 * with their statutory title (Spanish ones add the English title in brackets), which the
 * layout prints as the heading. When that line says more than the title, it becomes it.
 */
export function titleAndBody(title: string, body: string): { title: string; body: string } {
  const [first = '', ...rest] = body.split('\n');
  const line = first.trim();
  const t = title.trim();
  if (t === '' || !line.toUpperCase().startsWith(t.toUpperCase())) return { title, body };
  const tail = line.slice(t.length).trim();
  if (tail !== '' && !tail.startsWith('(')) return { title, body };
  return { title: line, body: rest.join('\n').replace(/^\s*\n/, '') };
}
