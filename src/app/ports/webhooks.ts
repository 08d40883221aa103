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
  /**
   * Opts the connector in to deferred handling: under load the router stores a verified
   * event and answers this at once, and the inbox drainer hands the event to `handle` later
   * (undefined: the default `{received: true, eventId}`). Only for a connector whose answer
   * never depends on what handling does, and whose URL and headers carry no secret (they
   * are stored with the body until the event is handled; Authorization and Cookie never
   * are); without it every event is handled before the answer.
   */
  deferredResponse?(request: InboundWebhookRequest): WebhookResponse | undefined;
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
 * with the token), `queued` (stored for the drainer: acknowledge it), `duplicate` (received
 * before: handled, queued or failed), `in_progress` (another request is handling it right
 * now; the provider should retry later).
 */
export type WebhookClaim =
  | { status: 'claimed'; token: string }
  | { status: 'queued' }
  | { status: 'duplicate' }
  | { status: 'in_progress' };

/**
 * What `handle` needs to run later, kept in the inbox until the event is handled. The
 * headers never include Authorization or Cookie (`storableHeaders`).
 */
export interface StoredWebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[]>;
  url: string;
}

export interface WebhookClaimOptions {
  /** Kept with the event so it can be handled later (a deferrable connector's events). */
  request?: StoredWebhookRequest;
  /** Store it `queued` for the drainer instead of claiming it for handling now. */
  queue?: boolean;
}

/** An event the drainer claimed: handle it, then `complete` or `fail` with the token. */
export interface QueuedWebhookEvent {
  connector: string;
  eventId: string;
  receivedAt: string;
  token: string;
  /** Handlings started so far, this one included. */
  attempts: number;
  request: StoredWebhookRequest;
}

/** Events in the inbox that are not handled, by state. */
export interface WebhookInboxCounts {
  queued: number;
  claimed: number;
  failed: number;
}

/** The provider event ids seen per connector, and the inbox of events still to handle. */
export interface WebhookEventStore {
  /**
   * Claims `(connector, eventId)` (or queues it, with `options.queue`); a claim older than
   * the store's stale limit is taken over. Concurrent calls may share one write.
   */
  claim(
    connector: string,
    eventId: string,
    at: string,
    options?: WebhookClaimOptions,
  ): Promise<WebhookClaim>;
  /**
   * Marks the claimed event handled (its stored request is forgotten): later deliveries are
   * duplicates. `lazy`: nobody waits for it (the drainer's), so it may wait a moment to
   * share the next write rather than cost a commit of its own.
   */
  complete(
    connector: string,
    eventId: string,
    token: string,
    at: string,
    options?: { lazy?: boolean },
  ): Promise<void>;
  /** Gives a claim back after a failed handling, so the provider's retry is handled. */
  release(connector: string, eventId: string, token: string): Promise<void>;
  /**
   * Claims up to `limit` stored events of these connectors, oldest first: queued ones due by
   * `at`, and claims with a stored request older than the stale limit (a crashed handler's).
   * Two processes never claim the same event.
   */
  claimQueued(
    connectors: readonly string[],
    at: string,
    limit: number,
  ): Promise<QueuedWebhookEvent[]>;
  /**
   * A claimed event's handling failed: queued again from `retryAt`, or `failed` for good
   * (kept with its request and error for a human) when `retryAt` is null.
   */
  fail(
    connector: string,
    eventId: string,
    token: string,
    failure: { error: string; at: string; retryAt: string | null },
  ): Promise<void>;
  /** How many events are queued, claimed and failed now. */
  inboxCounts(): Promise<WebhookInboxCounts>;
}

/** Request headers safe to keep in the inbox: everything but credentials. */
export function storableHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !UNSTORED_HEADERS.has(name.toLowerCase())) kept[name] = value;
  return kept;
}

const UNSTORED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
]);

type MemoryRow = {
  state: 'queued' | 'claimed' | 'handled' | 'failed';
  receivedAt: string;
  claimedAt: string;
  availableAt: string;
  handledAt: string | null;
  attempts: number;
  lastError: string | null;
  request: StoredWebhookRequest | null;
};

/** A WebhookEventStore in memory (tests, `demo`); same semantics as the stored one. */
export function createMemoryWebhookEventStore(
  staleAfterMs = 5 * 60_000,
): WebhookEventStore & { readonly rows: ReadonlyMap<string, Readonly<MemoryRow>> } {
  const rows = new Map<string, MemoryRow>();
  const id = (connector: string, eventId: string) => JSON.stringify([connector, eventId]);
  const stale = (row: MemoryRow, at: string) =>
    Date.parse(row.claimedAt) <= Date.parse(at) - staleAfterMs;
  const claimed = (connector: string, eventId: string, token: string) => {
    const row = rows.get(id(connector, eventId));
    return row?.state === 'claimed' && row.claimedAt === token ? row : undefined;
  };
  return {
    rows,
    claim(connector, eventId, at, options = {}) {
      const key = id(connector, eventId);
      const row = rows.get(key);
      if (row && row.state !== 'claimed') return Promise.resolve({ status: 'duplicate' });
      if (row && !stale(row, at)) return Promise.resolve({ status: 'in_progress' });
      if (row) {
        Object.assign(row, { claimedAt: at, attempts: row.attempts + 1 });
        return Promise.resolve({ status: 'claimed', token: at });
      }
      rows.set(key, {
        state: options.queue ? 'queued' : 'claimed',
        receivedAt: at,
        claimedAt: at,
        availableAt: at,
        handledAt: null,
        attempts: options.queue ? 0 : 1,
        lastError: null,
        request: options.request ?? null,
      });
      return Promise.resolve(
        options.queue ? { status: 'queued' } : { status: 'claimed', token: at },
      );
    },
    complete(connector, eventId, token, at) {
      const row = claimed(connector, eventId, token);
      if (row)
        Object.assign(row, { state: 'handled', handledAt: at, request: null, lastError: null });
      return Promise.resolve();
    },
    release(connector, eventId, token) {
      if (claimed(connector, eventId, token)) rows.delete(id(connector, eventId));
      return Promise.resolve();
    },
    claimQueued(connectors, at, limit) {
      const due = [...rows.entries()]
        .filter(([key, row]) => {
          const [connector] = JSON.parse(key) as [string, string];
          if (!connectors.includes(connector) || row.request === null) return false;
          return row.state === 'queued'
            ? row.availableAt <= at
            : row.state === 'claimed' && stale(row, at);
        })
        // Stale claims first, then queued events; each oldest first, then by id.
        .sort(([ka, a], [kb, b]) =>
          a.state !== b.state
            ? a.state === 'claimed'
              ? -1
              : 1
            : a.receivedAt !== b.receivedAt
              ? a.receivedAt < b.receivedAt
                ? -1
                : 1
              : ka < kb
                ? -1
                : 1,
        )
        .slice(0, Math.max(0, limit));
      return Promise.resolve(
        due.map(([key, row]) => {
          const [connector, eventId] = JSON.parse(key) as [string, string];
          Object.assign(row, { state: 'claimed', claimedAt: at, attempts: row.attempts + 1 });
          return {
            connector,
            eventId,
            receivedAt: row.receivedAt,
            token: at,
            attempts: row.attempts,
            request: row.request!,
          };
        }),
      );
    },
    fail(connector, eventId, token, failure) {
      const row = claimed(connector, eventId, token);
      if (row)
        Object.assign(row, {
          state: failure.retryAt === null ? 'failed' : 'queued',
          availableAt: failure.retryAt ?? failure.at,
          lastError: failure.error,
        });
      return Promise.resolve();
    },
    inboxCounts() {
      const counts: WebhookInboxCounts = { queued: 0, claimed: 0, failed: 0 };
      for (const row of rows.values()) if (row.state !== 'handled') counts[row.state]++;
      return Promise.resolve(counts);
    },
  };
}
