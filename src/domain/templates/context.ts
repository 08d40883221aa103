/**
 * The values a template renders against (SPEC 6), from one lease on one local date: the
 * recipient, the lease, the property's legal name and pay-to details, and the case's
 * past-due amounts with the unpaid charges itemised (after R1 allocation, so a message
 * names exactly what is owed). Pure.
 */
import { daysBetween, type LocalDate } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { allocate, pastDueOn } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { LedgerEntry } from '../portfolio/schema.js';
import { formatPostalAddress, splitName, type ChargeLine, type MergeContext } from './fields.js';
import { localeFor, type Locale } from './render.js';

export interface ContextOptions {
  /** The local date the message is about (its planned date). */
  date: LocalDate;
  /** The recipient; the lease's first contact when absent. */
  contactId: string | null;
  episode: number;
  /** The fee this action assesses, for fee notices. */
  feeCents?: Cents | null;
  /** Where the tenant pays, when the organisation has a pay page. */
  payLink?: string;
}

const CATEGORY: Record<Locale, Record<string, string>> = {
  en: { rent: 'Rent', fee: 'Fee', utility: 'Utilities', deposit: 'Deposit', other: 'Charge' },
  es: { rent: 'Renta', fee: 'Cargo', utility: 'Servicios', deposit: 'Depósito', other: 'Cargo' },
};

/** "November 2026" / "noviembre de 2026" (a formatter costs far more to make than to use). */
const MONTH: Record<Locale, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
  es: new Intl.DateTimeFormat('es-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

function chargeLabel(e: LedgerEntry, locale: Locale): string {
  if (e.memo) return e.memo;
  const category = CATEGORY[locale][e.category ?? 'rent'] ?? CATEGORY[locale].other!;
  const month = MONTH[locale].format(new Date(`${e.dueDate ?? e.date}T00:00:00Z`));
  return `${category} ${month}`;
}

export function mergeContextFor(input: LeaseInput, options: ContextOptions): MergeContext {
  const { lease, property } = input;
  const contact =
    input.contacts.find((c) => c.id === options.contactId) ?? input.contacts[0] ?? undefined;
  const locale = localeFor(contact?.language);
  const inEffect = input.ledger.filter((e) => e.date <= options.date);
  const allocation = allocate(inEffect);
  const counted = new Set(input.policy.trigger.categories);
  const pastDue = pastDueOn(allocation, options.date, counted);
  const byId = new Map(inEffect.map((e) => [e.id, e]));
  const charges: ChargeLine[] = [];
  for (const c of allocation.charges) {
    if (!(options.date > c.dueDate)) break;
    const owed = allocation.unpaid.get(c.id) ?? 0;
    if (owed <= 0 || !counted.has(c.category)) continue;
    charges.push({
      description: chargeLabel(byId.get(c.id)!, locale),
      due_date: c.dueDate,
      amount: owed,
    });
  }
  const office = [property.name, property.phone].filter(Boolean).join(', ');
  const context: MergeContext = {
    tenant: {
      name: contact?.name ?? '',
      ...splitName(contact?.name ?? ''),
      ...(contact?.email ? { email: contact.email } : {}),
      ...(contact?.phone ? { phone: contact.phone } : {}),
      language: locale,
      ...(contact?.address ? { address: formatPostalAddress(contact.address) } : {}),
    },
    lease: {
      id: lease.id,
      unit: lease.unit,
      rent: lease.rentCents,
      ...(lease.spaceType ? { space_type: lease.spaceType } : {}),
    },
    property: {
      name: property.name,
      legal_name: property.legalName ?? property.name,
      ...(property.address ? { address: formatPostalAddress(property.address) } : {}),
      ...(property.phone ? { phone: property.phone } : {}),
      ...(property.email ? { email: property.email } : {}),
      ...(property.payTo
        ? {
            pay_to: {
              ...(property.payTo.name ? { name: property.payTo.name } : {}),
              ...(property.payTo.address
                ? { address: formatPostalAddress(property.payTo.address) }
                : {}),
              ...(property.payTo.hours ? { hours: property.payTo.hours } : {}),
            },
          }
        : {}),
      office_contact: office,
    },
    case: {
      episode: options.episode,
      past_due: pastDue.pastDueCents,
      past_due_rent: pastDue.pastDueRentCents,
      charges,
      ...(pastDue.oldest
        ? {
            oldest_due_date: pastDue.oldest.dueDate,
            days_past_due: daysBetween(pastDue.oldest.dueDate, options.date),
          }
        : {}),
    },
    office_contact: office,
    today: options.date,
  };
  if (options.feeCents != null) context.fee = { amount: options.feeCents };
  if (options.payLink) context.pay_link = options.payLink;
  return context;
}
