/**
 * A local Lob for tests and the demo: `POST /v1/letters` (multipart with an uploaded PDF,
 * JSON or form), `GET /v1/letters/{id}`, `GET /v1/letters`; HTTP Basic with the API key as
 * user; Lob's `{error: {message, status_code, code}}` for a bad key and for a letter missing
 * a required field; `Idempotency-Key` replays answering the letter already created; and
 * tracking events posted to a webhook URL over time, signed the way Lob signs them.
 */
import { randomBytes } from 'node:crypto';
import { postCallback, startFake, type FakeRequest, type FakeServer } from '../fake/fake-http.js';
import { lobSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhooks.js';

export interface LobFakeOptions {
  apiKey: string;
  /** Signs the tracking events it posts. */
  webhookSecret?: string;
  /** The account's default `use_type`; without it a letter must name one. */
  accountUseType?: 'operational' | 'marketing';
  /** Lob-Signature-Timestamp in seconds (default) or milliseconds. */
  timestampUnit?: 's' | 'ms';
}

export interface FakeLetter {
  /** The letter object as Lob answers it. */
  letter: Record<string, unknown> & { id: string; tracking_events: Record<string, unknown>[] };
  /** The form fields as received (`to[address_line1]` …), the file apart. */
  fields: Record<string, string>;
  /** The uploaded PDF, or the file string (HTML, URL, template id). */
  file: Uint8Array | string;
  idempotencyKey: string | undefined;
}

export type TrackingOutcome = 'delivered' | 'returned_to_sender' | 'refused' | 'unclaimed';

export interface PostedEvent {
  eventId: string;
  eventType: string;
  status: number;
  text: string;
}

export interface LobFake extends FakeServer {
  letters: Map<string, FakeLetter>;
  letterCount(): number;
  byKey(idempotencyKey: string): FakeLetter | undefined;
  /** The event Lob would send for a scan of the letter (the scan is added to the letter). */
  event(letterId: string, scan: TrackingStep): Record<string, unknown>;
  /** Lob's signature headers for a raw body. */
  sign(raw: string, nowMs?: number): Record<string, string>;
  /**
   * Posts the letter's journey to `url`, one signed event every `intervalMs`:
   * mailed → in transit → in local area → processed for delivery → delivered, or mailed →
   * in transit → returned to sender (refused / unclaimed for certified mail).
   */
  track(
    letterId: string,
    url: string,
    options?: { outcome?: TrackingOutcome; intervalMs?: number },
  ): Promise<PostedEvent[]>;
}

export interface TrackingStep {
  /** `in_transit`, `delivered`, `returned_to_sender` … (without `letter.` / `letter.certified.`). */
  step: string;
  name: string;
  /** Certified scans only (USPS's event and text). */
  details?: { event: string; description: string };
}

const STEPS: Record<string, TrackingStep> = {
  mailed: {
    step: 'mailed',
    name: 'Mailed',
    details: { event: 'package_accepted', description: 'Accepted at USPS origin facility' },
  },
  in_transit: {
    step: 'in_transit',
    name: 'In Transit',
    details: { event: 'in_transit', description: 'In transit to next facility' },
  },
  in_local_area: {
    step: 'in_local_area',
    name: 'In Local Area',
    details: { event: 'arrived_at_facility', description: 'Arrived at post office' },
  },
  processed_for_delivery: {
    step: 'processed_for_delivery',
    name: 'Processed for Delivery',
    details: { event: 'out_for_delivery', description: 'Out for delivery' },
  },
  delivered: {
    step: 'delivered',
    name: 'Delivered',
    details: { event: 'delivered', description: 'Delivered, left with individual' },
  },
  returned_to_sender: {
    step: 'returned_to_sender',
    name: 'Returned to Sender',
    details: { event: 'returned_to_sender', description: 'Return to sender' },
  },
  refused: {
    step: 'returned_to_sender',
    name: 'Returned to Sender',
    details: { event: 'returned_to_sender', description: 'Refused - return to sender' },
  },
  unclaimed: {
    step: 'returned_to_sender',
    name: 'Returned to Sender',
    details: { event: 'returned_to_sender', description: 'Unclaimed - being returned to sender' },
  },
};

const JOURNEY: Record<TrackingOutcome, string[]> = {
  delivered: ['mailed', 'in_transit', 'in_local_area', 'processed_for_delivery', 'delivered'],
  returned_to_sender: ['mailed', 'in_transit', 'returned_to_sender'],
  refused: ['mailed', 'in_transit', 'in_local_area', 'refused'],
  unclaimed: ['mailed', 'in_transit', 'in_local_area', 'unclaimed'],
};

export const lobError = (status: number, code: string, message: string) => ({
  error: { message, status_code: status, code },
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

/** The body as Lob's flat field names (`to[name]`) and the file apart. */
async function readLetterBody(
  req: FakeRequest,
): Promise<{ fields: Record<string, string>; file: Uint8Array | string | undefined }> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const fields: Record<string, string> = {};
  let file: Uint8Array | string | undefined;
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(req.raw), {
      headers: { 'content-type': String(req.headers['content-type']) },
    }).formData();
    for (const [name, value] of form.entries()) {
      if (name === 'file')
        file = typeof value === 'string' ? value : new Uint8Array(await value.arrayBuffer());
      else if (typeof value === 'string') fields[name] = value;
    }
    return { fields, file };
  }
  if (type.includes('json')) {
    const flatten = (prefix: string, v: unknown) => {
      if (v !== null && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}[${k}]` : k, x);
      else if (v !== null && v !== undefined) fields[prefix] = String(v);
    };
    flatten('', req.json);
  } else Object.assign(fields, req.form);
  file = fields.file;
  delete fields.file;
  return { fields, file };
}

const ADDRESS_FIELDS = ['address_line1', 'address_city', 'address_state', 'address_zip'];

/** Lob's 422 for the first documented rule the letter breaks, else undefined. */
function problemOf(
  fields: Record<string, string>,
  file: Uint8Array | string | undefined,
  options: LobFakeOptions,
): ReturnType<typeof lobError> | undefined {
  const invalid = (message: string) => lobError(422, 'invalid', message);
  for (const party of ['to', 'from']) {
    const keys = Object.keys(fields).filter((k) => k === party || k.startsWith(`${party}[`));
    if (keys.length === 0) return invalid(`${party} is required`);
    if (fields[party] !== undefined) {
      if (!/^adr_[a-zA-Z0-9]+$/.test(fields[party]!))
        return invalid(`${party} must be an address id or an address object`);
      continue;
    }
    const at = (k: string) => fields[`${party}[${k}]`]?.trim() ?? '';
    if (at('name') === '' && at('company') === '')
      return invalid(`${party}.name or ${party}.company is required`);
    const country = at('address_country') || 'US';
    for (const k of country === 'US' ? ADDRESS_FIELDS : ['address_line1', 'address_city'])
      if (at(k) === '') return invalid(`${party}.${k} is required`);
    if (country === 'US' && !/^\d{5}(-\d{4})?$/.test(at('address_zip')))
      return invalid(`${party}.address_zip must be a 5 or 9 digit ZIP code`);
  }
  if (file === undefined || file === '') return invalid('file is required');
  if (typeof file !== 'string' && Buffer.from(file.subarray(0, 5)).toString('latin1') !== '%PDF-')
    return lobError(422, 'invalid_file', 'file is not a valid PDF or HTML file');
  if (fields.color === undefined) return invalid('color is required');
  if (fields.color !== 'true' && fields.color !== 'false')
    return invalid('color must be a boolean');
  const useType = fields.use_type ?? options.accountUseType;
  if (useType === undefined || useType === '')
    return lobError(
      422,
      'mail_use_type_can_not_be_null',
      'use_type is required: set it on the letter or as the account default',
    );
  if (useType !== 'marketing' && useType !== 'operational')
    return invalid('use_type must be one of [marketing, operational]');
  const mailType = fields.mail_type ?? 'usps_first_class';
  if (mailType !== 'usps_first_class' && mailType !== 'usps_standard')
    return invalid('mail_type must be one of [usps_first_class, usps_standard]');
  const extra = fields.extra_service;
  if (
    extra !== undefined &&
    !['certified', 'certified_return_receipt', 'registered'].includes(extra)
  )
    return invalid(
      'extra_service must be one of [certified, certified_return_receipt, registered]',
    );
  if (extra !== undefined && mailType === 'usps_standard')
    return invalid('extra_service cannot be used with usps_standard mail');
  const placement = fields.address_placement;
  if (
    placement !== undefined &&
    ![
      'top_first_page',
      'insert_blank_page',
      'bottom_first_page_center',
      'bottom_first_page',
    ].includes(placement)
  )
    return invalid('address_placement is not a documented placement');
  return undefined;
}

function addressOf(
  fields: Record<string, string>,
  party: string,
): Record<string, unknown> | string {
  if (fields[party] !== undefined) return fields[party]!;
  const out: Record<string, unknown> = { id: `adr_${hex(8)}`, object: 'address' };
  for (const [k, v] of Object.entries(fields))
    if (k.startsWith(`${party}[`)) out[k.slice(party.length + 1, -1)] = v.toUpperCase();
  return out;
}

function metadataOf(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) out[m[1]!] = v;
  }
  return out;
}

function letterOf(
  fields: Record<string, string>,
  useType: string | undefined,
): FakeLetter['letter'] {
  const id = `ltr_${hex(8)}`;
  const now = new Date();
  const extra = fields.extra_service ?? null;
  const day = (n: number) => new Date(now.getTime() + n * 86_400_000).toISOString().slice(0, 10);
  return {
    id,
    object: 'letter',
    description: fields.description ?? null,
    metadata: metadataOf(fields),
    to: addressOf(fields, 'to'),
    from: addressOf(fields, 'from'),
    color: fields.color === 'true',
    double_sided: fields.double_sided !== 'false',
    address_placement: fields.address_placement ?? 'top_first_page',
    mail_type: fields.mail_type ?? 'usps_first_class',
    extra_service: extra,
    use_type: useType ?? null,
    url: `https://lob-assets.example.invalid/letters/${id}.pdf?expires=${Math.floor(now.getTime() / 1000) + 86_400}`,
    status: 'processed',
    failure_reason: null,
    carrier: 'USPS',
    // Certified mail has its number at once (a dummy one in test mode); first class none.
    tracking_number:
      extra === 'certified' || extra === 'certified_return_receipt' ? `9407${digits(18)}` : null,
    tracking_events: [],
    thumbnails: [],
    send_date: now.toISOString(),
    expected_delivery_date: day(5),
    date_created: now.toISOString(),
    date_modified: now.toISOString(),
  };
}

function authorised(req: FakeRequest, apiKey: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (colon < 0 ? decoded : decoded.slice(0, colon)) === apiKey;
}

export async function startLobFake(options: LobFakeOptions): Promise<LobFake> {
  const letters = new Map<string, FakeLetter>();
  const byKey = new Map<string, string>();

  const fake = await startFake(async (req, reply) => {
    if (!authorised(req, options.apiKey))
      return reply.json(
        401,
        lobError(
          401,
          'unauthorized',
          'Your API key is not valid. Please sign up on lob.com to get a valid api key.',
        ),
      );
    if (req.method === 'POST' && req.path === '/v1/letters') {
      const headerKey = req.headers['idempotency-key'];
      const queryKey = req.query.get('idempotency_key') ?? undefined;
      if (typeof headerKey === 'string' && queryKey !== undefined)
        return reply.json(
          422,
          lobError(
            422,
            'invalid',
            'use either the Idempotency-Key header or the idempotency_key query, not both',
          ),
        );
      const key = typeof headerKey === 'string' ? headerKey : queryKey;
      if (key !== undefined && key.length > 256)
        return reply.json(
          422,
          lobError(422, 'invalid', 'Idempotency-Key must be at most 256 characters'),
        );
      const seen = key === undefined ? undefined : byKey.get(key);
      if (seen !== undefined) return reply.json(200, letters.get(seen)!.letter);
      const { fields, file } = await readLetterBody(req);
      const problem = problemOf(fields, file, options);
      if (problem) return reply.json(422, problem);
      const letter = letterOf(fields, fields.use_type ?? options.accountUseType);
      letters.set(letter.id, { letter, fields, file: file!, idempotencyKey: key });
      if (key !== undefined) byKey.set(key, letter.id);
      return reply.json(200, letter);
    }
    if (req.method === 'GET' && req.path === '/v1/letters') {
      const limit = Number(req.query.get('limit') ?? '10');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        return reply.json(422, lobError(422, 'invalid', 'limit must be between 1 and 100'));
      const data = [...letters.values()]
        .reverse()
        .slice(0, limit)
        .map((l) => l.letter);
      return reply.json(200, {
        object: 'list',
        data,
        count: data.length,
        next_url: null,
        previous_url: null,
      });
    }
    const one = /^\/v1\/letters\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && one) {
      const found = letters.get(decodeURIComponent(one[1]!));
      return found
        ? reply.json(200, found.letter)
        : reply.json(404, lobError(404, 'not_found', 'letter not found'));
    }
    return reply.json(404, lobError(404, 'not_found', `no route ${req.method} ${req.path}`));
  });

  function sign(raw: string, nowMs = Date.now()): Record<string, string> {
    if (options.webhookSecret === undefined) throw new Error('the Lob fake has no webhook secret');
    const timestamp =
      options.timestampUnit === 'ms' ? String(nowMs) : String(Math.floor(nowMs / 1000));
    return {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: lobSignature(options.webhookSecret, timestamp, raw),
      [TIMESTAMP_HEADER]: timestamp,
    };
  }

  function event(letterId: string, s: TrackingStep): Record<string, unknown> {
    const found = letters.get(letterId);
    if (!found) throw new Error(`the Lob fake has no letter ${letterId}`);
    const { letter } = found;
    const certified = letter.extra_service !== null;
    const now = new Date().toISOString();
    letter.tracking_events.push({
      id: `evnt_${hex(8)}`,
      object: 'tracking_event',
      type: certified ? 'certified' : 'normal',
      name: s.name,
      time: now,
      location: '91101',
      ...(certified && s.details ? { details: { ...s.details, action_required: false } } : {}),
      date_created: now,
      date_modified: now,
    });
    letter.date_modified = now;
    return {
      id: `evt_${hex(12)}`,
      object: 'event',
      event_type: {
        id: `letter.${certified ? 'certified.' : ''}${s.step}`,
        enabled_for_test: true,
        resource: 'letters',
        object: 'event_type',
      },
      reference_id: letter.id,
      body: structuredClone(letter),
      date_created: now,
    };
  }

  return Object.assign(fake, {
    letters,
    letterCount: () => letters.size,
    byKey: (key: string) => {
      const id = byKey.get(key);
      return id === undefined ? undefined : letters.get(id);
    },
    event,
    sign,
    async track(
      letterId: string,
      url: string,
      o: { outcome?: TrackingOutcome; intervalMs?: number } = {},
    ): Promise<PostedEvent[]> {
      const posted: PostedEvent[] = [];
      for (const name of JOURNEY[o.outcome ?? 'delivered']) {
        if (o.intervalMs) await new Promise((r) => setTimeout(r, o.intervalMs));
        const e = event(letterId, STEPS[name]!);
        const raw = JSON.stringify(e);
        const answer = await postCallback(url, raw, sign(raw));
        posted.push({
          eventId: e.id as string,
          eventType: (e.event_type as { id: string }).id,
          ...answer,
        });
      }
      return posted;
    },
  });
}
