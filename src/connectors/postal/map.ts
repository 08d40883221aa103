/**
 * Pure mapping between Arrears' mailings and Lob letters: our `{name, addressLines}` parties
 * parsed into Lob's address fields, a print-mail request into the letter's form fields, a
 * created letter into the document sender's answer, Lob errors into provider errors, and
 * Lob's webhook events into carrier events for the proof of service.
 */
import { createHash } from 'node:crypto';
import type { MailEvent } from '../../app/record-mail-event.js';
import type { MailEventType, PostalDeliveryMethod } from '../../domain/documents/proof.js';
import type { PrintMailAnswer, PrintMailRequest } from '../../outbox/document-sender.js';
import type { ProviderError } from '../outcomes.js';

/** Lob's inline address object (field names exactly as Lob documents them). */
export interface LobAddress {
  name: string;
  address_line1: string;
  address_line2?: string;
  address_city: string;
  address_state: string;
  address_zip: string;
  address_country: string;
}

export type AddressReading = { ok: true; address: LobAddress } | { ok: false; problem: string };

/** USPS state, district, territory and military codes: what `address_state` accepts. */
const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH ' +
    'NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW AA AE AP'
  ).split(' '),
);
const US_COUNTRY = /^(US|USA|U\.S\.A?\.?|United States( of America)?)$/i;
const STATE_ZIP = /^([A-Za-z]{2})\.?\s+(\d{5})(?:[-\s]?(\d{4}))?$/;
const CITY_STATE_ZIP = /^(.+?)\s+([A-Za-z]{2})\.?\s+(\d{5})(?:[-\s]?(\d{4}))?$/;

const LAST_LINE = 'its last line must read `City, ST 94110` (city, two-letter state, ZIP code)';

/**
 * `["415 S Lake Ave", "Apt 9", "Pasadena, CA 91101"]` or the one-line form
 * `"1820 N Fair Oaks Ave, Pasadena, CA 91103"` → Lob's fields. Lob has two street lines, so
 * any further ones are joined into the second. The problems name what to fix, never the
 * address itself (it is personal data and ends up in the outbox's reason).
 */
export function lobAddressOf(party: { name: string; addressLines: string[] }): AddressReading {
  const name = party.name.trim();
  if (name === '') return { ok: false, problem: 'it has no name' };
  const lines = party.addressLines.map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1 && US_COUNTRY.test(lines[lines.length - 1]!)) lines.pop();
  const last = lines.pop();
  if (last === undefined) return { ok: false, problem: 'it has no address lines' };
  if (/^[A-Za-z]{2}$/.test(last))
    return {
      ok: false,
      problem: `it is outside the United States (country ${last.toUpperCase()}); Lob mails these notices to US addresses only`,
    };

  const place = cityStateZipOf(last);
  if (place === undefined) return { ok: false, problem: LAST_LINE };
  if (!US_STATES.has(place.state))
    return { ok: false, problem: `\`${place.state}\` is not a US state or territory code` };
  // A one-line address: what comes before the city is the street.
  lines.push(...place.street);
  const [line1, ...more] = lines;
  if (line1 === undefined)
    return { ok: false, problem: 'it has no street line before `City, ST 94110`' };
  return {
    ok: true,
    address: {
      name,
      address_line1: line1,
      ...(more.length > 0 ? { address_line2: more.join(', ') } : {}),
      address_city: place.city,
      address_state: place.state,
      address_zip: place.zip,
      address_country: 'US',
    },
  };
}

/** `City, ST 94110` (comma optional), possibly after street segments of a one-line address. */
function cityStateZipOf(
  last: string,
): { city: string; state: string; zip: string; street: string[] } | undefined {
  const segments = last
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const tail = segments.pop();
  if (tail === undefined) return undefined;
  const zip = (five: string, four: string | undefined) => (four ? `${five}-${four}` : five);
  const stateZip = segments.length > 0 ? tail.match(STATE_ZIP) : null;
  if (stateZip) {
    const city = segments.pop()!;
    return {
      city,
      state: stateZip[1]!.toUpperCase(),
      zip: zip(stateZip[2]!, stateZip[3]),
      street: segments,
    };
  }
  const full = tail.match(CITY_STATE_ZIP);
  if (full)
    return {
      city: full[1]!.replace(/,$/, ''),
      state: full[2]!.toUpperCase(),
      zip: zip(full[3]!, full[4]),
      street: segments,
    };
  return undefined;
}

/**
 * Lob's `extra_service` for a delivery method: null for plain first class, undefined when
 * Lob cannot do it (it has no certificate of mailing, USPS PS Form 3817).
 */
export function extraServiceOf(
  method: PostalDeliveryMethod,
): 'certified' | 'certified_return_receipt' | null | undefined {
  switch (method) {
    case 'certified_mail':
      return 'certified';
    case 'certified_mail_e_return_receipt':
      return 'certified_return_receipt';
    case 'first_class':
      return null;
    case 'first_class_certificate_of_mailing':
      return undefined;
  }
}

export interface LetterOptions {
  color: boolean;
  addressPlacement: string;
}

/** Lob's metadata keys (≤ 40 characters) that let a replay be checked against our PDF. */
export const METADATA = {
  key: 'arrears_key',
  sha256: 'document_sha256',
  mailDate: 'mail_date',
} as const;

/**
 * The letter's fields in Lob's deepObject form encoding (`to[address_line1]` …), in order;
 * the PDF goes beside them as `file`. Delinquency notices are `operational` mail.
 */
export function letterFieldsOf(
  request: PrintMailRequest,
  to: LobAddress,
  from: LobAddress,
  options: LetterOptions,
): [string, string][] {
  const fields: [string, string][] = [
    ['description', `Arrears notice ${request.idempotencyKey}`.slice(0, 255)],
  ];
  for (const [party, address] of [
    ['to', to],
    ['from', from],
  ] as const)
    for (const [k, v] of Object.entries(address)) fields.push([`${party}[${k}]`, String(v)]);
  fields.push(
    ['color', String(options.color)],
    ['use_type', 'operational'],
    ['mail_type', 'usps_first_class'],
  );
  const extra = extraServiceOf(request.method);
  if (extra) fields.push(['extra_service', extra]);
  fields.push(
    ['address_placement', options.addressPlacement],
    [`metadata[${METADATA.key}]`, request.idempotencyKey.slice(0, 500)],
    [`metadata[${METADATA.sha256}]`, request.document.sha256],
    [`metadata[${METADATA.mailDate}]`, request.mailDate],
  );
  return fields;
}

/** The parts of Lob's letter object Arrears reads. */
export interface LobLetter {
  id?: string;
  status?: string | null;
  failure_reason?: string | null;
  tracking_number?: string | null;
  expected_delivery_date?: string | null;
  carrier?: string | null;
  extra_service?: string | null;
  metadata?: Record<string, string> | null;
}

/**
 * A created letter → the document sender's answer. First-class letters have no USPS
 * tracking number, so the letter id stands in for it: Lob's tracking events carry the same
 * id, which is how a carrier event finds the proof of service. For certified mail the
 * tracking number is the certified-mail article number, which is also the receipt's.
 */
export function answerOfLetter(
  letter: LobLetter & { id: string },
  request: PrintMailRequest,
): PrintMailAnswer {
  if (letter.status === 'failed')
    return {
      tag: 'rejected',
      code: 'letter_failed',
      reason: `Lob could not produce letter ${letter.id}: ${letter.failure_reason ?? 'no reason given'}`,
    };
  const mailedSha = letter.metadata?.[METADATA.sha256];
  if (mailedSha !== undefined && mailedSha !== request.document.sha256)
    // A replay of the key after the notice was rendered again (another day): what Lob holds
    // is not the PDF we stored, so the proof of service would name the wrong document.
    return {
      tag: 'unknown',
      reason: `Lob already holds letter ${letter.id} for this delivery with another PDF (sha256 ${mailedSha.slice(0, 12)}…); check which notice was mailed`,
    };
  const tracking = letter.tracking_number?.trim() || null;
  const certified = request.method.startsWith('certified');
  return {
    tag: 'accepted',
    providerId: letter.id,
    trackingNumber: tracking ?? letter.id,
    certificateRef: certified ? tracking : null,
  };
}

/** Lob's `{error: {message, status_code, code}}`. */
export function lobErrorOf(body: unknown): ProviderError | undefined {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { message?: unknown; code?: unknown; status_code?: unknown };
  const code =
    typeof e.code === 'string' && e.code !== ''
      ? e.code
      : typeof e.status_code === 'number'
        ? String(e.status_code)
        : undefined;
  if (code === undefined) return undefined;
  return { code, message: typeof e.message === 'string' ? e.message : code };
}

/** Lob's Idempotency-Key holds 256 characters; a longer outbox key is hashed to fit. */
export function idempotencyKeyOf(key: string): string {
  return key.length <= 256 ? key : `arrears-${createHash('sha256').update(key).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------
// Webhook events

/**
 * Every letter event type Lob documents, and what it means for a proof of service. Only
 * the end of the journey is a carrier event Arrears records (MailEventType); the steps on
 * the way are acknowledged. `not_mailed`: Lob will not mail the letter after all.
 */
export const LOB_LETTER_EVENTS: Readonly<
  Record<string, 'delivered' | 'returned' | 'progress' | 'lifecycle' | 'not_mailed'>
> = {
  'letter.created': 'lifecycle',
  'letter.rendered_pdf': 'lifecycle',
  'letter.rendered_thumbnails': 'lifecycle',
  'letter.viewed': 'lifecycle',
  'letter.billed': 'lifecycle',
  'letter.rejected': 'not_mailed',
  'letter.failed': 'not_mailed',
  'letter.deleted': 'not_mailed',
  'letter.mailed': 'progress',
  'letter.in_transit': 'progress',
  'letter.in_local_area': 'progress',
  'letter.processed_for_delivery': 'progress',
  'letter.re-routed': 'progress',
  'letter.international_exit': 'progress',
  'letter.delivered': 'delivered',
  'letter.returned_to_sender': 'returned',
  'letter.certified.mailed': 'progress',
  'letter.certified.in_transit': 'progress',
  'letter.certified.in_local_area': 'progress',
  'letter.certified.processed_for_delivery': 'progress',
  'letter.certified.re-routed': 'progress',
  // A notice left for pickup: it ends delivered, or returned unclaimed.
  'letter.certified.pickup_available': 'progress',
  'letter.certified.issue': 'progress',
  'letter.certified.delivered': 'delivered',
  'letter.certified.returned_to_sender': 'returned',
};

/** The tracking event name Lob gives the scan an event type reports. */
const SCAN_NAME = { delivered: 'Delivered', returned: 'Returned to Sender' } as const;

interface LobTrackingEvent {
  name?: unknown;
  time?: unknown;
  location?: unknown;
  details?: { event?: unknown; description?: unknown } | null;
}

export type LobEventReading =
  | {
      kind: 'mail_event';
      event: Omit<MailEvent, 'eventId' | 'provider'>;
      /** The letter id, to look the proof up by when the tracking number finds nothing. */
      letterId: string | undefined;
    }
  | { kind: 'not_mailed'; eventType: string; letterId: string | undefined; reason: string }
  | { kind: 'ignored'; eventType: string; reason: string };

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

const isoOf = (v: unknown): string | undefined => {
  const s = text(v);
  const ms = s === undefined ? NaN : Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/**
 * Lob's event `{id, event_type: {id}, reference_id, body: <the letter>, date_created}` →
 * a carrier event. The letter's tracking number (certified) or its id (first class, see
 * answerOfLetter) finds the proof. A return is told apart as refused or unclaimed from the
 * certified scan's details when USPS says so.
 */
export function readLobEvent(payload: unknown): LobEventReading {
  const p = (payload ?? {}) as Record<string, unknown>;
  const eventType = text((p.event_type as { id?: unknown } | undefined)?.id) ?? '';
  if (eventType === '') return { kind: 'ignored', eventType, reason: 'no event_type.id' };
  const meaning = LOB_LETTER_EVENTS[eventType];
  if (meaning === undefined)
    return {
      kind: 'ignored',
      eventType,
      reason: eventType.startsWith('letter.return_envelope.')
        ? "the tenant's return envelope, not the notice"
        : 'not a letter event Arrears tracks',
    };
  if (meaning === 'progress' || meaning === 'lifecycle')
    return { kind: 'ignored', eventType, reason: `${meaning}: not an end of delivery` };

  const letter = (p.body ?? {}) as Record<string, unknown>;
  const letterId = text(p.reference_id) ?? text(letter.id);
  if (meaning === 'not_mailed')
    return {
      kind: 'not_mailed',
      eventType,
      letterId,
      reason: text(letter.failure_reason) ?? eventType,
    };

  const trackingNumber = text(letter.tracking_number) ?? letterId;
  if (trackingNumber === undefined)
    return { kind: 'ignored', eventType, reason: 'no tracking number and no letter id' };
  const scans = Array.isArray(letter.tracking_events)
    ? (letter.tracking_events as LobTrackingEvent[])
    : [];
  const scan = latestScan(scans, SCAN_NAME[meaning]);
  const at = isoOf(scan?.time) ?? isoOf(p.date_created);
  if (at === undefined) return { kind: 'ignored', eventType, reason: 'no time on the event' };
  const type: MailEventType = meaning === 'returned' ? returnKindOf(scan) : 'delivered';
  const detail = scanDetail(scan) ?? SCAN_NAME[meaning];
  return { kind: 'mail_event', event: { trackingNumber, type, at, detail }, letterId };
}

/** The latest scan with this name (Lob lists them oldest first; times decide). */
function latestScan(scans: LobTrackingEvent[], name: string): LobTrackingEvent | undefined {
  let found: LobTrackingEvent | undefined;
  for (const s of scans) {
    if (text(s?.name)?.toLowerCase() !== name.toLowerCase()) continue;
    if (found === undefined || (isoOf(s.time) ?? '') >= (isoOf(found.time) ?? '')) found = s;
  }
  return found;
}

function returnKindOf(scan: LobTrackingEvent | undefined): MailEventType {
  const words = [text(scan?.details?.event), text(scan?.details?.description)].join(' ');
  if (/refus/i.test(words)) return 'refused';
  if (/unclaim/i.test(words)) return 'unclaimed';
  return 'returned';
}

function scanDetail(scan: LobTrackingEvent | undefined): string | undefined {
  if (scan === undefined) return undefined;
  const what = text(scan.details?.description) ?? text(scan.name);
  const where = text(scan.location);
  if (what === undefined) return undefined;
  return (where ? `${what} (${where})` : what).slice(0, 200);
}
