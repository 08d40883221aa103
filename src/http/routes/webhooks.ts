/**
 * `POST /webhooks/{connector}` (SPEC 10, 11). In this plugin every body is read as bytes
 * and kept as `rawBody` (signatures are computed over the exact bytes), then parsed by
 * content type into `body` without ever failing: a body that does not parse is the
 * connector's business once the signature verified.
 *
 * Order: unknown connector → 404; no secret configured → 503 (refused, never accepted
 * unverified; the provider retries once it is configured); bad signature → 401; a URL
 * verification handshake → the connector's answer, nothing recorded; event seen before →
 * 200 `{duplicate: true}`; being handled by another request → 409 (retry later); else the
 * connector handles it once.
 *
 * Every verified event is stored (webhook_events, group-committed with the concurrent
 * requests' events) before it is answered. While the process is quiet it is handled before
 * the answer; under load (app/drain-webhook-inbox.ts) the event of a connector that allows
 * it (`deferredResponse`) is answered as soon as it is stored, and handled by the inbox
 * drainer shortly after.
 *
 * `GET /webhooks/{connector}` is a provider's check of the URL before it registers a webhook
 * (Acrobat Sign's verification of intent): answered by the connector's `handshake`, 404 for a
 * connector without one, 503 when its secret is not configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createWebhookInbox,
  type WebhookInbox,
  type WebhookInboxOptions,
} from '../../app/drain-webhook-inbox.js';
import type { Clock } from '../../app/ports/clock.js';
import {
  storableHeaders,
  type InboundWebhookRequest,
  type WebhookConnector,
  type WebhookEvent,
  type WebhookEventStore,
  type WebhookRegistry,
  type WebhookResponse,
} from '../../app/ports/webhooks.js';
import { problem, sendProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body byte for byte (webhook routes only). */
    rawBody: Buffer | null;
  }
}

export interface WebhookDeps {
  registry: WebhookRegistry;
  events: WebhookEventStore;
  clock: Clock;
  /** `ARREARS_PUBLIC_URL`: the base the provider calls, for URL-signing providers. */
  publicUrl?: string;
  /** When events are deferred, and how the inbox drainer retries (drain-webhook-inbox.ts). */
  inbox?: WebhookInboxOptions;
}

export const MAX_EVENT_ID_LENGTH = 512;

/** The URL the provider called: the public base + path and query exactly as received. */
export function publicUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${request.protocol}://${request.host}`;
  return base.replace(/\/+$/, '') + request.url;
}

/** Parses a body by its content type; undefined when it does not parse. */
export function parseWebhookBody(contentType: string | undefined, raw: Buffer): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = () => raw.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text(), (key, value: unknown) => (key === '__proto__' ? undefined : value));
    } catch {
      return undefined;
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string | string[]> = Object.create(null) as Record<
      string,
      string | string[]
    >;
    for (const [k, v] of new URLSearchParams(text())) {
      const seen = fields[k];
      fields[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
    return fields;
  }
  if (type.startsWith('text/')) return text();
  return undefined;
}

/**
 * Sent as given (a string or bytes) or as JSON we serialise: the 200 schema of the route
 * must not strip fields a provider expects back (e.g. a verification challenge).
 */
function sendResponse(reply: FastifyReply, response: WebhookResponse): FastifyReply {
  const body = response.body;
  const raw = typeof body === 'string' || Buffer.isBuffer(body);
  reply.code(response.status ?? 200);
  if (response.headers) reply.headers(response.headers);
  reply.type(response.contentType ?? (raw ? 'text/plain; charset=utf-8' : 'application/json'));
  return reply.send(raw ? body : JSON.stringify(body ?? null));
}

export async function webhookRoutes(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  const inbox: WebhookInbox = createWebhookInbox(
    {
      registry: deps.registry,
      events: deps.events,
      clock: deps.clock,
      log: app.log.child({ component: 'webhook-inbox' }),
      parseBody: parseWebhookBody,
    },
    deps.inbox,
  );
  // Events queued before a crash or restart are applied once the server is up.
  app.addHook('onReady', async () => inbox.start());
  app.addHook('onClose', async () => inbox.stop());

  /**
   * Stores a verified event, then handles it before answering, or (deferred) answers once
   * it is stored. Counted as in hand by the inbox meanwhile.
   */
  async function receive(
    request: FastifyRequest,
    reply: FastifyReply,
    connector: WebhookConnector,
    event: WebhookEvent,
  ) {
    const { connector: id, eventId } = event;
    // A connector that allows deferral gets its request kept until handled: the drainer
    // runs it later (queued now, or a crashed inline handling taken over).
    const deferrable = typeof connector.deferredResponse === 'function';
    const claim = await deps.events.claim(
      id,
      eventId,
      event.receivedAt,
      deferrable
        ? {
            request: {
              rawBody: event.rawBody,
              headers: storableHeaders(event.headers),
              url: event.url,
            },
            queue: inbox.shouldDefer(),
          }
        : {},
    );
    if (claim.status === 'duplicate') {
      request.log.info({ connector: id, eventId }, 'webhook replay ignored');
      const again = connector.duplicateResponse?.(event);
      if (again) return sendResponse(reply, again);
      return { received: true, duplicate: true, eventId };
    }
    if (claim.status === 'in_progress') {
      reply.header('retry-after', '30');
      return sendProblem(
        reply,
        problem('webhook_in_progress', `event ${eventId} is being handled; retry later`),
      );
    }
    if (claim.status === 'queued') {
      inbox.kick();
      request.log.debug({ connector: id, eventId }, 'webhook queued');
      const answer = connector.deferredResponse?.(event);
      if (answer) return sendResponse(reply, answer);
      return { received: true, duplicate: false, eventId, queued: true };
    }

    let response;
    try {
      response = await connector.handle(event);
    } catch (error) {
      await deps.events
        .release(id, eventId, claim.token)
        .catch((e: unknown) => request.log.error({ err: e }, 'could not release a webhook claim'));
      throw error;
    }
    await deps.events.complete(id, eventId, claim.token, new Date(deps.clock.now()).toISOString());
    request.log.info({ connector: id, eventId }, 'webhook handled');
    if (!response) return { received: true, duplicate: false, eventId };
    return sendResponse(reply, response);
  }

  app.decorateRequest('rawBody', null);
  app.removeAllContentTypeParsers();
  const keepRaw = (request: FastifyRequest, raw: Buffer) => {
    request.rawBody = raw;
    return Promise.resolve(parseWebhookBody(request.headers['content-type'], raw));
  };
  for (const type of ['application/json', 'application/x-www-form-urlencoded', /^text\/.*/, '*'])
    app.addContentTypeParser(type, { parseAs: 'buffer' }, keepRaw);

  app.get<{ Params: { connector: string } }>(
    '/webhooks/:connector',
    {
      schema: {
        summary: 'Webhook URL verification of a connector',
        description:
          'The check some providers make of a webhook URL before registering it (Acrobat ' +
          'Sign echoes `X-AdobeSign-ClientId`); answered by the connector. 404 for a ' +
          'connector that makes none.',
        tags: ['webhooks'],
        params: {
          type: 'object',
          required: ['connector'],
          properties: {
            connector: { type: 'string', description: 'Connector id, e.g. `adobesign`.' },
          },
        },
      },
    },
    async (request, reply) => {
      const id = request.params.connector;
      const connector = deps.registry.get(id);
      if (!connector?.handshake)
        return sendProblem(reply, problem('not_found', `no webhook handshake for \`${id}\``));
      if (!connector.secretConfigured)
        return sendProblem(
          reply,
          problem(
            'webhook_not_configured',
            `the ${id} connector has no webhook secret configured, so its webhooks are refused ` +
              'until one is (see `arrears connectors list`)',
          ),
        );
      const answer = await connector.handshake({
        headers: request.headers,
        rawBody: Buffer.alloc(0),
        body: undefined,
        url: publicUrlOf(request, deps.publicUrl),
      });
      request.log.info(
        { connector: id, status: answer.status ?? 200 },
        'webhook handshake answered',
      );
      return sendResponse(reply, answer);
    },
  );

  app.post<{ Params: { connector: string } }>(
    '/webhooks/:connector',
    {
      schema: {
        summary: 'Inbound webhook of a connector',
        description:
          "Verified with the provider's signature (the connector's secret must be " +
          "configured) and idempotent on the provider's event id: a replay answers " +
          '`{duplicate: true}` and is not handled again. Stored before it is answered; under ' +
          'load an event may be answered once stored and handled shortly after.',
        tags: ['webhooks'],
        params: {
          type: 'object',
          required: ['connector'],
          properties: {
            connector: { type: 'string', description: 'Connector id, e.g. `twilio`.' },
          },
        },
        response: {
          200: {
            description: 'Received (or a duplicate of an event already received).',
            type: 'object',
            properties: {
              received: { type: 'boolean' },
              duplicate: { type: 'boolean' },
              eventId: { type: 'string' },
              queued: {
                type: 'boolean',
                description: 'Stored and acknowledged; handled shortly after (under load).',
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const id = request.params.connector;
      const connector = deps.registry.get(id);
      if (!connector)
        return sendProblem(reply, problem('not_found', `no webhook connector \`${id}\``));
      if (!connector.secretConfigured) {
        request.log.warn({ connector: id }, 'webhook refused: no signing secret configured');
        return sendProblem(
          reply,
          problem(
            'webhook_not_configured',
            `the ${id} connector has no signing secret configured, so its webhooks are refused ` +
              'until one is (see `arrears connectors list`)',
          ),
        );
      }

      const inbound: InboundWebhookRequest = {
        headers: request.headers,
        rawBody: request.rawBody ?? Buffer.alloc(0),
        body: request.body,
        url: publicUrlOf(request, deps.publicUrl),
      };
      const verification = await connector.verify(inbound);
      if (!verification.ok) {
        request.log.warn({ connector: id, reason: verification.reason }, 'webhook refused');
        return sendProblem(
          reply,
          problem('webhook_signature_invalid', `${id} webhook refused: ${verification.reason}`),
        );
      }
      // Provider ids are opaque; PostgreSQL stores no NUL character, so it is replaced.
      const eventId =
        typeof verification.eventId === 'string'
          ? verification.eventId.replaceAll('\u0000', '\ufffd')
          : verification.eventId;
      if (typeof eventId !== 'string' || eventId === '' || eventId.length > MAX_EVENT_ID_LENGTH)
        throw new Error(`connector ${id} verified a webhook without a usable event id`);

      const receivedAt = new Date(deps.clock.now()).toISOString();
      if (verification.handshake === true) {
        // A URL verification: answered by the connector, never recorded (it may be unsigned).
        const answer = await connector.handle({ ...inbound, connector: id, eventId, receivedAt });
        request.log.info({ connector: id }, 'webhook handshake answered');
        return answer ? sendResponse(reply, answer) : { received: true, duplicate: false, eventId };
      }
      return inbox.track(() =>
        receive(request, reply, connector, { ...inbound, connector: id, eventId, receivedAt }),
      );
    },
  );
}
