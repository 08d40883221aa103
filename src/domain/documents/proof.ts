/**
 * Proof of service (SPEC 6): what was mailed, how, by whom and what became of it. One
 * record per physical mailing (an outbox delivery and the provider's id for it); carrier
 * events are appended, never rewritten, so the record reads as the history a court asks for.
 */
import type { LocalDate } from '../dates.js';

/** How a notice was served. The postal ones are sent by a print-and-mail provider. */
export const SERVICE_METHODS = [
  'first_class',
  'certified',
  'certified_return_receipt',
  'verified_mail',
  'email',
  'hand',
  'posting',
] as const;
export type ServiceMethod = (typeof SERVICE_METHODS)[number];

/** The outbox's delivery methods (SPEC 3.4) that go through the mail. */
export const POSTAL_DELIVERY_METHODS = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
] as const;
export type PostalDeliveryMethod = (typeof POSTAL_DELIVERY_METHODS)[number];

export function isPostalDeliveryMethod(method: string): method is PostalDeliveryMethod {
  return (POSTAL_DELIVERY_METHODS as readonly string[]).includes(method);
}

/**
 * The service method a delivery method amounts to. A certificate of mailing is still
 * first-class service; the certificate is recorded beside it (`certificateRef`).
 */
export function serviceMethodOf(deliveryMethod: string): ServiceMethod | undefined {
  switch (deliveryMethod) {
    case 'certified_mail':
      return 'certified';
    case 'certified_mail_e_return_receipt':
      return 'certified_return_receipt';
    case 'first_class':
    case 'first_class_certificate_of_mailing':
      return 'first_class';
    case 'email':
      return 'email';
    default:
      return undefined;
  }
}

/** Carrier events a proof collects after the mailing. */
export const MAIL_EVENT_TYPES = ['delivered', 'returned', 'refused', 'unclaimed'] as const;
export type MailEventType = (typeof MAIL_EVENT_TYPES)[number];

export const PROOF_EVENT_TYPES = ['mailed', ...MAIL_EVENT_TYPES] as const;
export type ProofEventType = (typeof PROOF_EVENT_TYPES)[number];

export function isMailEventType(value: string): value is MailEventType {
  return (MAIL_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Refused and unclaimed mail comes back to the sender like any other return: service by
 * that mailing cannot be relied on, so all three count as a return (R10). Whether a refusal
 * is good service in a given state is for counsel; the engine holds and asks a person.
 */
export function isReturn(type: ProofEventType): boolean {
  return type === 'returned' || type === 'refused' || type === 'unclaimed';
}

/** One entry of a proof's history. Holds no personal data (erasure keeps it). */
export interface ProofEvent {
  /** The provider's event id, else `{type}@{at}`: the same event twice is kept once. */
  id: string;
  type: ProofEventType;
  /** ISO-8601 UTC instant. */
  at: string;
  /** Local date at the property. */
  date: LocalDate;
  /** Who reported it: `provider:{id}`, `user:{id}` … */
  source: string;
  /** The carrier's status text, e.g. "Return to sender - unclaimed". */
  detail?: string;
}

export interface ProofOfService {
  /** `{outboxKey}@{providerId}`: one record per mailing. */
  id: string;
  outboxKey: string;
  leaseId: string;
  contactId: string | null;
  method: ServiceMethod;
  provider: string | null;
  providerId: string | null;
  trackingNumber: string | null;
  /** Certified-mail receipt or certificate-of-mailing number, when the method gives one. */
  certificateRef: string | null;
  /** sha256 of the exact PDF mailed. */
  documentSha256: string | null;
  /** `mailed`, then the type of the latest carrier event. */
  status: ProofEventType;
  /** Mailing date, local to the property: the day service starts counting from. */
  servedOn: LocalDate | null;
  events: ProofEvent[];
  /** What was mailed to whom (recipient, template, deadline …); erased with the person. */
  data: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

/** The id of the proof for one mailing. */
export function proofId(outboxKey: string, providerId: string): string {
  return `${outboxKey}@${providerId}`;
}

/** The id an event gets when the provider gives none. */
export function proofEventId(type: ProofEventType, at: string): string {
  return `${type}@${at}`;
}

/**
 * The events with `event` added (kept in time order; ties keep arrival order), or
 * undefined when an event with its id is already there.
 */
export function withEvent(
  events: readonly ProofEvent[],
  event: ProofEvent,
): ProofEvent[] | undefined {
  if (events.some((e) => e.id === event.id)) return undefined;
  const out = [...events];
  let i = out.length;
  while (i > 0 && out[i - 1]!.at > event.at) i--;
  out.splice(i, 0, event);
  return out;
}

/** The status a history amounts to: the latest event's type. */
export function statusOf(events: readonly ProofEvent[]): ProofEventType {
  return events[events.length - 1]?.type ?? 'mailed';
}
