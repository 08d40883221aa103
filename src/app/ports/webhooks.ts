/**
 * Inbound webhooks (SPEC 10, 11): `POST /webhooks/{connector}` finds the connector in a
 * WebhookRegistry, refuses the request unless the connector has a secret configured and
 * its signature check passes, and hands each provider event to the connector once
 * (WebhookEventStore remembers the provider's event ids).
 */

/** The request as the provider sent it: signature checks need the exact bytes. */
export interface InboundWebhookRequest {
  /** Lower-case header names, as Node parses them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body byte for byte (empty when there was none). */
  rawBody: Buffer;
  /**
   * The body parsed by its content type: a JSON value, form fields (a repeated field is an
   * array), text; undefined for other types or when it does not parse.
   */
  body: unknown;
  /**
   * The public URL the provider called: `ARREARS_PUBLIC_URL` + path and query as received
   * (Twilio signs it), else rebuilt from the request's protocol and Host header.
   */
  url: string;
}

export type WebhookVerification =
  | {
      ok: true;
      /** The provider's event id (a delivery of the same event carries the same id). */
      eventId: string;
      /**
       * A URL verification the provider makes before it delivers events (RingCentral's
       * Validation-Token, Smartsheet's challenge), which may come unsigned: `handle`
       * answers it, and the router records nothing (no event id is claimed).
       */
      handshake?: boolean;
    }
  | {
      ok: false;
      /** Why it was refused, for the log and the 401 answer; never a secret. */
      reason: string;
    };

/** A verified event, handed to the connector once. */
export interface WebhookEvent extends InboundWebhookRequest {
  connector: string;
  eventId: string;
  /** ISO instant it was received. */
  receivedAt: string;
}

/** What the connector answers the provider; by default 200 `{received: true, eventId}`. */
export interface WebhookResponse {
  status?: number;
  /** A string or Buffer is sent as is (with `contentType`); anything else as JSON. */
  body?: unknown;
  contentType?: string;
  /** Extra response headers (RingCentral's handshake echoes `Validation-Token`). */
  headers?: Record<string, string>;
}

export interface WebhookConnector {
  /** Connector id, the `{connector}` of the path (SPEC 11 list: `twilio`, `stripe` …). */
  readonly id: string;
  /** False when its signing secret is not configured: every request is then refused. */
  readonly secretConfigured: boolean;
  /** Checks the provider's signature (constant-time) and extracts the event id. */
  verify(request: InboundWebhookRequest): WebhookVerification | Promise<WebhookVerification>;
  /** Records the event (replies, delivery statuses …); should itself be idempotent. */
  handle(event: WebhookEvent): Promise<WebhookResponse | void>;
  /**
   * Answers `GET /webhooks/{id}`: the verification a provider makes of the URL before it
   * registers a webhook (Acrobat Sign sends X-AdobeSign-ClientId and wants it echoed).
   * Without it the GET is 404. It records nothing, so it is neither deduplicated nor
   * signature-checked by the router; the connector checks what the provider sends.
   */
  handshake?(request: InboundWebhookRequest): WebhookResponse | Promise<WebhookResponse>;
  /**
   * What to answer a repeat of an event already handled, when the provider needs more than
   * `{duplicate: true}` JSON (Twilio reads the answer as TwiML during a call).
   */
  duplicateResponse?(request: InboundWebhookRequest): WebhookResponse | undefined;
}

export interface WebhookRegistry {
  get(id: string): WebhookConnector | undefined;
  list(): WebhookConnector[];
}

/** A registry connectors can be added to (`registerWebhookConnector`). */
export interface MutableWebhookRegistry extends WebhookRegistry {
  readonly connectors: Map<string, WebhookConnector>;
}

export const CONNECTOR_ID = /^[a-z][a-z0-9_-]{0,39}$/;

export function createWebhookRegistry(
  connectors: readonly WebhookConnector[] = [],
): MutableWebhookRegistry {
  const map = new Map<string, WebhookConnector>();
  const registry: MutableWebhookRegistry = {
    connectors: map,
    get: (id) => map.get(id),
    list: () => [...map.values()],
  };
  for (const connector of connectors) registerWebhookConnector(registry, connector);
  return registry;
}

/** Adds a connector; its id must be a connector id and not registered yet. */
export function registerWebhookConnector(
  registry: MutableWebhookRegistry,
  connector: WebhookConnector,
): void {
  if (!CONNECTOR_ID.test(connector.id))
    throw new Error(`webhook connector id \`${connector.id}\` is not a connector id`);
  if (registry.connectors.has(connector.id))
    throw new Error(`webhook connector \`${connector.id}\` is registered twice`);
  registry.connectors.set(connector.id, connector);
}

/**
 * The outcome of claiming an event id: `claimed` (handle it, then `complete` or `release`
 * with the token), `duplicate` (handled before), `in_progress` (another request is
 * handling it right now; the provider should retry later).
 */
export type WebhookClaim =
  { status: 'claimed'; token: string } | { status: 'duplicate' } | { status: 'in_progress' };

/** The provider event ids seen, per connector. */
export interface WebhookEventStore {
  /** Claims `(connector, eventId)`; a claim older than the store's stale limit is taken over. */
  claim(connector: string, eventId: string, at: string): Promise<WebhookClaim>;
  /** Marks the claimed event handled: later deliveries are duplicates. */
  complete(connector: string, eventId: string, token: string, at: string): Promise<void>;
  /** Gives a claim back after a failed handling, so the provider's retry is handled. */
  release(connector: string, eventId: string, token: string): Promise<void>;
}

/** A WebhookEventStore in memory (tests, `demo`); same semantics as the stored one. */
export function createMemoryWebhookEventStore(staleAfterMs = 5 * 60_000): WebhookEventStore {
  const rows = new Map<string, { claimedAt: string; handledAt: string | null }>();
  const id = (connector: string, eventId: string) => JSON.stringify([connector, eventId]);
  return {
    claim(connector, eventId, at) {
      const key = id(connector, eventId);
      const row = rows.get(key);
      if (row?.handledAt) return Promise.resolve({ status: 'duplicate' });
      if (row && Date.parse(row.claimedAt) > Date.parse(at) - staleAfterMs)
        return Promise.resolve({ status: 'in_progress' });
      rows.set(key, { claimedAt: at, handledAt: null });
      return Promise.resolve({ status: 'claimed', token: at });
    },
    complete(connector, eventId, token, at) {
      const row = rows.get(id(connector, eventId));
      if (row && row.claimedAt === token) row.handledAt = at;
      return Promise.resolve();
    },
    release(connector, eventId, token) {
      const key = id(connector, eventId);
      const row = rows.get(key);
      if (row && row.handledAt === null && row.claimedAt === token) rows.delete(key);
      return Promise.resolve();
    },
  };
}
