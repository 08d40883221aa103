/**
 * R10: who an action reaches and whether it may. Consent, opt-outs and bad contact
 * points are tracked per contact and channel; a skipped delivery always has a reason.
 */
import type { Recipient } from '../policy/schema.js';
import type { Channel, DeliveryMethod, Tenant } from '../portfolio/schema.js';
import type { Reason } from './types.js';

export const WINDOWED_CHANNELS: ReadonlySet<string> = new Set(['sms', 'voice', 'email']);
export const E_DELIVERY: ReadonlySet<string> = new Set(['email', 'sms_link']);
const POSTAL: ReadonlySet<string> = new Set([
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
]);

export function isPostal(method: string): boolean {
  return POSTAL.has(method);
}

/** The contact point a channel or delivery method uses. */
export function contactPointChannel(method: string): Channel | 'postal' | 'portal' {
  if (method === 'sms' || method === 'sms_link') return 'sms';
  if (method === 'voice') return 'voice';
  if (method === 'email') return 'email';
  if (method === 'chat') return 'chat';
  if (method === 'portal') return 'portal';
  return 'postal';
}

export class ContactBook {
  /** contactId → channels opted out of. */
  private readonly optedOut = new Map<string, Set<string>>();
  /** contactId → contact points (sms / voice / email …) known bad. */
  private readonly bad = new Map<string, Set<string>>();

  constructor(readonly contacts: readonly Tenant[]) {}

  recipients(to: readonly Recipient[]): Tenant[] {
    const out: Tenant[] = [];
    for (const r of to) {
      const role = r === 'tenant' ? 'primary' : r;
      for (const c of this.contacts) if (c.role === role && !out.includes(c)) out.push(c);
    }
    return out;
  }

  byId(id: string | undefined): Tenant | undefined {
    return id === undefined ? undefined : this.contacts.find((c) => c.id === id);
  }

  /** The contacts a reply or delivery event is about: the named one, else every primary. */
  subjects(contactId?: string, from?: string): Tenant[] {
    const named = this.byId(contactId);
    if (named) return [named];
    if (from) {
      const byPoint = this.contacts.filter((c) => c.phone === from || c.email === from);
      if (byPoint.length) return byPoint;
    }
    return this.contacts.filter((c) => c.role === 'primary');
  }

  optOut(contactId: string, channels: readonly string[]): void {
    let set = this.optedOut.get(contactId);
    if (!set) this.optedOut.set(contactId, (set = new Set()));
    for (const ch of channels) set.add(ch);
  }

  optIn(contactId: string, channels: readonly string[]): void {
    const set = this.optedOut.get(contactId);
    if (set) for (const ch of channels) set.delete(ch);
  }

  markBad(contactId: string, point: string): void {
    let set = this.bad.get(contactId);
    if (!set) this.bad.set(contactId, (set = new Set()));
    set.add(point);
  }

  /** Why a message on `channel` may not go to `c`, or null when it may. */
  messageBlock(c: Tenant, channel: Channel): Reason | null {
    if (this.optedOut.get(c.id)?.has(channel)) return 'opted_out';
    if (!hasConsent(c, channel)) return 'no_consent';
    if (!hasPoint(c, channel)) return 'no_contact';
    if (this.bad.get(c.id)?.has(contactPointChannel(channel))) return 'bad_contact';
    return null;
  }

  /** Why a document delivery by `method` may not go to `c`, or null when it may. */
  documentBlock(c: Tenant, method: DeliveryMethod): Reason | null {
    if (E_DELIVERY.has(method)) {
      // Documents ignore messaging opt-outs, but e-delivery needs e-notice consent.
      if (c.consent.eNotices !== true) return 'no_consent';
      const point = method === 'email' ? 'email' : 'sms';
      if (!hasPoint(c, point)) return 'no_contact';
      if (this.bad.get(c.id)?.has(point)) return 'bad_contact';
      return null;
    }
    if (isPostal(method)) return c.address ? null : 'no_contact';
    return null; // portal
  }
}

function hasConsent(c: Tenant, channel: Channel): boolean {
  const given = c.consent[channel];
  // Portal and in-app chat reach the tenant where they already are: only an explicit
  // refusal blocks them. SMS, voice and e-mail need consent given.
  if (channel === 'portal' || channel === 'chat') return given !== false;
  return given === true;
}

function hasPoint(c: Tenant, channel: Channel | 'sms'): boolean {
  if (channel === 'sms' || channel === 'voice') return Boolean(c.phone);
  if (channel === 'email') return Boolean(c.email);
  return true;
}
