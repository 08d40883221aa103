/**
 * A local HubSpot CRM (reference §5 and §20) for contract tests, end-to-end tests and the
 * demo, over real HTTP. It serves what the connector uses, at both the legacy
 * `/crm/v3/objects/{type}` and the date-versioned `/crm/objects/2026-03/{type}` paths:
 *
 *   GET  …/{type}/{id}[?idProperty=&properties=&associations=notes,tasks]
 *   POST …/{type}                     create (properties + associations); notes and tasks
 *                                     need hs_timestamp, deals dealname and dealstage
 *   POST …/{type}/batch/upsert        by a unique property (contacts: email; deals:
 *                                     arrears_lease_id)
 *   POST …/{type}/batch/read
 *   PUT  /crm/v4/objects/deals/{id}/associations/default/contacts/{id}
 *   GET  /crm/v3/properties/deals/{name}
 *   POST /oauth/v1/token              grant_type=refresh_token; access tokens live
 *                                     `tokenLifetimeSeconds` (1800)
 *
 * Requests need `Authorization: Bearer <accessToken | an issued OAuth token>`, else 401
 * with HubSpot's body (`category: INVALID_AUTHENTICATION`, or `EXPIRED_AUTHENTICATION`).
 * Unknown properties and missing required ones are 400 `VALIDATION_ERROR` as HubSpot
 * words them. `rateLimitNext(n)` answers 429 with the X-HubSpot-RateLimit-* headers and
 * HubSpot's RATE_LIMITS body; `failNext`/`stallNext` come from fake-http.
 *
 * For tests reading what a case looks like in the CRM:
 *
 *   fake.records()             { [arrears_lease_id]: { dealId, properties, contact, notes, tasks } }
 *   fake.leaseStatus('L1')     the deal's `arrears_status` ('open' | 'closed'), or undefined
 *                              when the lease has no deal yet
 *   fake.expireTokens()        every OAuth access token issued so far expires
 *   fake.sendWebhook(url, events, {clientSecret})   a delivery signed X-HubSpot-Signature-v3
 *
 *   const fake = await startHubSpotFake();   // token FAKE_HUBSPOT_TOKEN
 *   ARREARS_HUBSPOT_BASE_URL=fake.url ARREARS_HUBSPOT_ACCESS_TOKEN=FAKE_HUBSPOT_TOKEN
 */
import { randomUUID } from 'node:crypto';
import {
  postCallback,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeServer,
} from '../fake/fake-http.js';
import { DEAL_PROPERTIES, LEASE_ID_PROPERTY } from './map.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signHubSpotV3 } from './webhooks.js';

export const FAKE_HUBSPOT_TOKEN = 'pat-na1-fake-arrears';

type ObjectType = 'contacts' | 'deals' | 'notes' | 'tasks';
const SINGULAR: Record<ObjectType, string> = {
  contacts: 'CONTACT',
  deals: 'DEAL',
  notes: 'NOTE',
  tasks: 'TASK',
};

export interface CrmObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Associated object ids by type. */
  associations: Partial<Record<ObjectType, Set<string>>>;
}

export interface LeaseRecord {
  dealId: string;
  properties: Record<string, string>;
  /** The associated contact's properties (the first one). */
  contact: Record<string, string> | null;
  notes: { id: string; body: string; timestamp: string }[];
  tasks: { id: string; subject: string; body: string; status: string; timestamp: string }[];
}

export interface SignedDelivery {
  clientSecret: string;
  /** Milliseconds (default now). */
  timestamp?: number;
  /** The URL HubSpot calls when it differs from where it lands (a proxy's public URL). */
  signedUrl?: string;
}

export interface HubSpotFakeOptions {
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Each refresh answers a new refresh token (the old one stops working). */
  rotateRefreshTokens?: boolean;
  tokenLifetimeSeconds?: number;
  /** The custom deal properties the portal has (default: all the connector writes). */
  dealProperties?: readonly string[];
}

export interface HubSpotFake extends FakeServer {
  objects: Record<ObjectType, Map<string, CrmObject>>;
  records(): Record<string, LeaseRecord>;
  leaseStatus(leaseId: string): string | undefined;
  expireTokens(): void;
  /** Access tokens issued by the OAuth endpoint, oldest first. */
  issuedTokens: string[];
  /** The refresh token that works now. */
  refreshToken: string;
  rateLimitNext(times: number, daily?: boolean): void;
  sendWebhook(
    url: string,
    events: Record<string, unknown>[],
    o: SignedDelivery,
  ): Promise<{ status: number; text: string }>;
}

const STANDARD: Record<ObjectType, { known: string[]; required: string[] }> = {
  contacts: { known: ['email', 'firstname', 'lastname', 'phone'], required: [] },
  deals: {
    known: ['dealname', 'dealstage', 'pipeline', 'amount', 'closedate', 'hubspot_owner_id'],
    required: ['dealname', 'dealstage'],
  },
  notes: {
    known: ['hs_timestamp', 'hs_note_body', 'hubspot_owner_id'],
    required: ['hs_timestamp'],
  },
  tasks: {
    known: [
      'hs_timestamp',
      'hs_task_subject',
      'hs_task_body',
      'hs_task_status',
      'hs_task_priority',
      'hs_task_type',
      'hubspot_owner_id',
    ],
    required: ['hs_timestamp'],
  },
};
const UNIQUE: Record<ObjectType, string[]> = {
  contacts: ['email'],
  deals: [LEASE_ID_PROPERTY],
  notes: [],
  tasks: [],
};

const error = (category: string, message: string, extra: object = {}) => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...extra,
});

export async function startHubSpotFake(options: HubSpotFakeOptions = {}): Promise<HubSpotFake> {
  const staticToken = options.accessToken ?? FAKE_HUBSPOT_TOKEN;
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const lifetime = options.tokenLifetimeSeconds ?? 1800;
  const custom = options.dealProperties ?? DEAL_PROPERTIES;
  const known: Record<ObjectType, Set<string>> = {
    contacts: new Set(STANDARD.contacts.known),
    deals: new Set([...STANDARD.deals.known, ...custom]),
    notes: new Set(STANDARD.notes.known),
    tasks: new Set(STANDARD.tasks.known),
  };
  const objects: HubSpotFake['objects'] = {
    contacts: new Map(),
    deals: new Map(),
    notes: new Map(),
    tasks: new Map(),
  };
  const oauthTokens = new Map<string, number>(); // token → expires at (ms)
  const issuedTokens: string[] = [];
  let refreshToken = options.refreshToken ?? 'fake-refresh-token';
  let nextId = 1001;
  const now = () => new Date().toISOString();

  function authorised(req: FakeRequest, reply: FakeReply): boolean {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    const token = m?.[1];
    if (token === staticToken) return true;
    const expires = token !== undefined ? oauthTokens.get(token) : undefined;
    if (expires !== undefined && expires > Date.now()) return true;
    if (expires !== undefined) {
      reply.json(
        401,
        error(
          'EXPIRED_AUTHENTICATION',
          `The OAuth token used to make this call expired ${Math.ceil((Date.now() - expires) / 60_000)} minute(s) ago.`,
        ),
      );
      return false;
    }
    reply.json(
      401,
      error(
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication.',
      ),
    );
    return false;
  }

  /** HubSpot's answer to bad properties, or null when they are fine. */
  function invalid(type: ObjectType, props: Record<string, unknown>, creating: boolean) {
    const unknown = Object.keys(props).filter((k) => !known[type].has(k));
    if (unknown.length > 0)
      return error(
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify(
          unknown.map((name) => ({
            isValid: false,
            message: `Property "${name}" does not exist`,
            error: 'PROPERTY_DOESNT_EXIST',
            name,
          })),
        )}`,
        {
          errors: unknown.map((name) => ({
            message: `Property "${name}" does not exist`,
            code: 'PROPERTY_DOESNT_EXIST',
            context: { propertyName: [name] },
          })),
        },
      );
    const nonString = Object.entries(props).find(([, v]) => typeof v !== 'string');
    if (nonString)
      return error('VALIDATION_ERROR', `Property "${nonString[0]}" must be a string value`);
    const missing = creating
      ? STANDARD[type].required.filter((k) => !props[k] || props[k] === '')
      : [];
    if (missing.length > 0)
      return error(
        'VALIDATION_ERROR',
        `Error creating ${SINGULAR[type]}.  Some required properties were not set.`,
        { context: { properties: missing } },
      );
    return null;
  }

  function view(type: ObjectType, o: CrmObject, wanted: string[] | null, assoc: string[] = []) {
    const props: Record<string, string | null> = {
      hs_object_id: o.id,
      createdate: o.createdAt,
      hs_lastmodifieddate: o.updatedAt,
    };
    for (const k of wanted ?? Object.keys(o.properties)) props[k] = o.properties[k] ?? null;
    const associations: Record<string, unknown> = {};
    for (const t of assoc as ObjectType[]) {
      const ids = [...(o.associations[t] ?? [])];
      if (ids.length > 0)
        associations[t] = {
          results: ids.map((id) => ({ id, type: `${type.slice(0, -1)}_to_${t.slice(0, -1)}` })),
        };
    }
    return {
      id: o.id,
      properties: props,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archived: false,
      ...(assoc.length > 0 && Object.keys(associations).length > 0 ? { associations } : {}),
    };
  }

  function link(a: ObjectType, aId: string, b: ObjectType, bId: string) {
    const x = objects[a].get(aId);
    const y = objects[b].get(bId);
    if (!x || !y) return false;
    (x.associations[b] ??= new Set()).add(bId);
    (y.associations[a] ??= new Set()).add(aId);
    return true;
  }

  function typeOfId(id: string): ObjectType | undefined {
    return (Object.keys(objects) as ObjectType[]).find((t) => objects[t].has(id));
  }

  function create(type: ObjectType, props: Record<string, string>): CrmObject {
    const at = now();
    const o: CrmObject = {
      id: String(nextId++),
      properties: { ...props },
      createdAt: at,
      updatedAt: at,
      associations: {},
    };
    objects[type].set(o.id, o);
    return o;
  }

  function findBy(type: ObjectType, property: string, value: string): CrmObject | undefined {
    for (const o of objects[type].values()) if (o.properties[property] === value) return o;
    return undefined;
  }

  function objectsRoute(type: ObjectType, rest: string, req: FakeRequest, reply: FakeReply) {
    const body = (req.json ?? {}) as Record<string, unknown>;
    if (rest === '' && req.method === 'POST') {
      const props = (body.properties ?? {}) as Record<string, string>;
      const bad = invalid(type, props, true);
      if (bad) return reply.json(400, bad);
      const assocs = (body.associations ?? []) as { to?: { id?: string } }[];
      const targets = assocs.map((a) => String(a.to?.id ?? ''));
      const missing = targets.find((id) => typeOfId(id) === undefined);
      if (missing !== undefined)
        return reply.json(
          400,
          error('VALIDATION_ERROR', `One or more associations are invalid: ${missing} not found`),
        );
      const o = create(type, props);
      for (const id of targets) link(type, o.id, typeOfId(id)!, id);
      return reply.json(201, view(type, o, null));
    }
    if (rest === 'batch/upsert' && req.method === 'POST') {
      const inputs = (body.inputs ?? []) as {
        idProperty?: string;
        id?: string;
        properties?: Record<string, string>;
      }[];
      if (inputs.length === 0 || inputs.length > 100)
        return reply.json(400, error('VALIDATION_ERROR', 'inputs must hold 1 to 100 items'));
      const results = [];
      for (const input of inputs) {
        const idProperty = input.idProperty ?? '';
        if (!UNIQUE[type].includes(idProperty) || !known[type].has(idProperty))
          return reply.json(
            400,
            error(
              'VALIDATION_ERROR',
              `Property "${idProperty}" is not a unique identifier property for ${type}`,
            ),
          );
        const props = { ...(input.properties ?? {}), [idProperty]: String(input.id ?? '') };
        const found = findBy(type, idProperty, String(input.id ?? ''));
        const bad = invalid(type, props, found === undefined);
        if (bad) return reply.json(400, bad);
        if (found) {
          Object.assign(found.properties, props);
          found.updatedAt = now();
          results.push({ ...view(type, found, null), new: false });
        } else results.push({ ...view(type, create(type, props), null), new: true });
      }
      return reply.json(200, {
        status: 'COMPLETE',
        results,
        startedAt: now(),
        completedAt: now(),
      });
    }
    if (rest === 'batch/read' && req.method === 'POST') {
      const wanted = (body.properties ?? []) as string[];
      const inputs = (body.inputs ?? []) as { id?: string }[];
      const results = inputs.flatMap((i) => {
        const o = objects[type].get(String(i.id));
        return o ? [view(type, o, wanted)] : [];
      });
      return reply.json(200, { status: 'COMPLETE', results, startedAt: now(), completedAt: now() });
    }
    if (req.method === 'GET' && rest !== '' && !rest.includes('/')) {
      const id = decodeURIComponent(rest);
      const idProperty = req.query.get('idProperty');
      const o = idProperty !== null ? findBy(type, idProperty, id) : objects[type].get(id);
      if (!o)
        return reply.json(
          404,
          error('OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.'),
        );
      const wanted = req.query.get('properties')?.split(',').filter(Boolean) ?? null;
      const assoc = req.query.get('associations')?.split(',').filter(Boolean) ?? [];
      return reply.json(200, view(type, o, wanted, assoc));
    }
    return reply.json(404, error('OBJECT_NOT_FOUND', `no route ${req.method} ${req.path}`));
  }

  function token(req: FakeRequest, reply: FakeReply) {
    const f = req.form;
    if (f.grant_type !== 'refresh_token')
      return reply.json(400, {
        status: 'BAD_GRANT_TYPE',
        message: 'missing or unknown grant type',
        correlationId: randomUUID(),
      });
    if (f.client_id !== clientId)
      return reply.json(400, {
        status: 'BAD_CLIENT_ID',
        message: 'missing or invalid client_id',
        correlationId: randomUUID(),
      });
    if (f.client_secret !== clientSecret)
      return reply.json(400, {
        status: 'BAD_CLIENT_SECRET',
        message: 'missing or invalid client_secret',
        correlationId: randomUUID(),
      });
    if (f.refresh_token !== refreshToken)
      return reply.json(400, {
        status: 'BAD_REFRESH_TOKEN',
        message: 'missing or unknown refresh token',
        correlationId: randomUUID(),
      });
    const access = `oauth-${randomUUID()}`;
    oauthTokens.set(access, Date.now() + lifetime * 1000);
    issuedTokens.push(access);
    if (options.rotateRefreshTokens) refreshToken = `fake-refresh-${randomUUID()}`;
    reply.json(200, {
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: access,
      expires_in: lifetime,
    });
  }

  const fake = await startFake((req, reply) => {
    if (req.path === '/oauth/v1/token' && req.method === 'POST') return token(req, reply);
    if (!authorised(req, reply)) return;
    const obj =
      /^\/crm\/(?:v3\/objects|objects\/\d{4}-\d{2})\/(contacts|deals|notes|tasks)(?:\/(.*))?$/.exec(
        req.path,
      );
    if (obj) return objectsRoute(obj[1] as ObjectType, obj[2] ?? '', req, reply);
    const assoc =
      /^\/crm\/v4\/objects\/deals\/([^/]+)\/associations\/default\/contacts\/([^/]+)$/.exec(
        req.path,
      );
    if (assoc && req.method === 'PUT') {
      if (!link('deals', assoc[1]!, 'contacts', assoc[2]!))
        return reply.json(404, error('OBJECT_NOT_FOUND', 'deal or contact not found'));
      return reply.json(200, {
        status: 'COMPLETE',
        results: [
          {
            from: { id: assoc[1] },
            to: { id: assoc[2] },
            associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 },
          },
        ],
      });
    }
    const prop = /^\/crm\/v3\/properties\/(deals|contacts)\/([^/]+)$/.exec(req.path);
    if (prop && req.method === 'GET') {
      const type = prop[1] as ObjectType;
      const name = decodeURIComponent(prop[2]!);
      if (!known[type].has(name))
        return reply.json(
          404,
          error('OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${type}`),
        );
      return reply.json(200, {
        name,
        label: name,
        type: 'string',
        fieldType: 'text',
        groupName: `${type.slice(0, -1)}information`,
        hasUniqueValue: UNIQUE[type].includes(name),
      });
    }
    reply.json(404, error('OBJECT_NOT_FOUND', `no route ${req.method} ${req.path}`));
  });

  function records(): Record<string, LeaseRecord> {
    const out: Record<string, LeaseRecord> = {};
    for (const deal of objects.deals.values()) {
      const leaseId = deal.properties[LEASE_ID_PROPERTY];
      if (leaseId === undefined) continue;
      const contactId = [...(deal.associations.contacts ?? [])][0];
      const contact = contactId !== undefined ? objects.contacts.get(contactId) : undefined;
      const of = (t: 'notes' | 'tasks') =>
        [...(deal.associations[t] ?? [])].flatMap((id) => {
          const o = objects[t].get(id);
          return o ? [o] : [];
        });
      out[leaseId] = {
        dealId: deal.id,
        properties: { ...deal.properties },
        contact: contact ? { ...contact.properties } : null,
        notes: of('notes').map((n) => ({
          id: n.id,
          body: n.properties.hs_note_body ?? '',
          timestamp: n.properties.hs_timestamp ?? '',
        })),
        tasks: of('tasks').map((t) => ({
          id: t.id,
          subject: t.properties.hs_task_subject ?? '',
          body: t.properties.hs_task_body ?? '',
          status: t.properties.hs_task_status ?? '',
          timestamp: t.properties.hs_timestamp ?? '',
        })),
      };
    }
    return out;
  }

  const hub = Object.assign(fake, {
    objects,
    records,
    leaseStatus: (leaseId: string) =>
      findBy('deals', LEASE_ID_PROPERTY, leaseId)?.properties.arrears_status,
    expireTokens() {
      for (const t of oauthTokens.keys()) oauthTokens.set(t, Date.now() - 1);
    },
    issuedTokens,
    refreshToken,
    rateLimitNext(times: number, daily = false) {
      fake.failNext(
        times,
        429,
        {
          'x-hubspot-ratelimit-max': '100',
          'x-hubspot-ratelimit-remaining': '0',
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
          'x-hubspot-ratelimit-daily': '250000',
          'x-hubspot-ratelimit-daily-remaining': daily ? '0' : '249000',
        },
        {
          status: 'error',
          message: daily
            ? 'You have reached your daily limit.'
            : 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: daily ? 'DAILY' : 'TEN_SECONDLY_ROLLING',
          category: 'RATE_LIMITS',
        },
      );
    },
    async sendWebhook(url: string, events: Record<string, unknown>[], o: SignedDelivery) {
      const raw = JSON.stringify(events);
      const timestamp = String(o.timestamp ?? Date.now());
      const signed = o.signedUrl ?? url;
      return postCallback(url, raw, {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signHubSpotV3(o.clientSecret, 'POST', signed, raw, timestamp),
        [TIMESTAMP_HEADER]: timestamp,
      });
    },
  });
  Object.defineProperty(hub, 'refreshToken', { get: () => refreshToken });
  return hub;
}
