/**
 * The webhook inbox of one server process: whether a new event is handled now or left to
 * the drainer, and the drainer itself.
 *
 * - **Inline when quiet.** While at most `inlineLimit` events are in hand in this process
 *   (verified and being stored, handled or answered) and the drainer has no backlog, an
 *   event is handled before it is answered (a caller who posts a webhook and looks at its
 *   effect at once sees it).
 * - **Deferred under load.** Otherwise an event of a connector that opted in
 *   (`deferredResponse`) is stored `queued` and answered at once; the drainer applies queued
 *   events oldest first, a batch at a time (handled together, so connectors that group
 *   their writes — delivery receipts — commit a batch at once). Once the drainer finds
 *   events, every new one joins the queue until a claim finds the inbox empty: an event is
 *   not applied ahead of older ones (a STOP then a START), and a burst is not answered
 *   partly inline, which would slow it down.
 * - **Ingest first.** Between two batches the drainer yields to the event loop. When it
 *   finds the process busy answering (more than `inlineLimit` events in hand), it also
 *   pauses, so that it takes about `drainShare` of the time (default a tenth) and answering
 *   providers keeps the rest; otherwise it goes on at full speed. A load above what the
 *   drainer can apply grows the backlog until it eases:
 *   `arrears_webhook_inbox_events{state="queued"}` shows it.
 * - **Failures.** A deferred handling that throws puts the event back in the queue after a
 *   backoff; after `maxAttempts` it stays `failed`, with its error, for a human.
 *
 * The drainer starts with the server (events queued before a crash or restart are applied),
 * runs when an event is queued, when a retry is due, and every `pollMs` (events other
 * processes left, claims gone stale).
 */
import type { Clock } from './ports/clock.js';
import type {
  QueuedWebhookEvent,
  WebhookEvent,
  WebhookEventStore,
  WebhookRegistry,
} from './ports/webhooks.js';

export interface WebhookInboxOptions {
  /**
   * Events are handled inline while at most this many are in hand in the process (default
   * 8); 0 defers every event of a connector that allows it.
   */
  inlineLimit?: number;
  /** The share of the time the drainer takes while the process is busy answering (default 0.1). */
  drainShare?: number;
  /** Events the drainer claims and handles together (default 64). */
  batchSize?: number;
  /** Handlings of an event before it stays `failed` (default 5). */
  maxAttempts?: number;
  /** The wait before retrying after `attempts` failed handlings (default 10 s × 4^(n−1), at most 1 h). */
  retryDelayMs?: (attempts: number) => number;
  /** How often an idle drainer looks at the inbox anyway (default 30 s). */
  pollMs?: number;
}

/** Pino's calling convention (fields, then message); never given a body. */
export interface WebhookInboxLog {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface WebhookInboxDeps {
  registry: WebhookRegistry;
  events: WebhookEventStore;
  clock: Clock;
  log: WebhookInboxLog;
  /** Parses a stored body by its content type, as the router parsed it when it arrived. */
  parseBody(contentType: string | undefined, raw: Buffer): unknown;
}

export interface WebhookInbox {
  /** Runs the storing, handling and answering of one event, counted as in hand meanwhile. */
  track<T>(work: () => Promise<T>): Promise<T>;
  /**
   * True when an event (of a connector that allows it) should be queued, not handled now:
   * asked inside `track`, so the asking event counts.
   */
  shouldDefer(): boolean;
  /** An event was queued: the drainer runs (now, or again after its current pass). */
  kick(): void;
  /** Starts draining (what was queued before is applied). */
  start(): void;
  /** Stops draining; resolves once the batch in hand is finished and recorded. */
  stop(): Promise<void>;
}

export const DEFAULT_INLINE_LIMIT = 8;
export const DEFAULT_MAX_ATTEMPTS = 5;

export function defaultRetryDelayMs(attempts: number): number {
  return Math.min(3600_000, 10_000 * 4 ** Math.max(0, attempts - 1));
}

export function createWebhookInbox(
  deps: WebhookInboxDeps,
  options: WebhookInboxOptions = {},
): WebhookInbox {
  const inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
  const batchSize = options.batchSize ?? 64;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const pollMs = options.pollMs ?? 30_000;
  const drainShare = Math.min(1, Math.max(0.01, options.drainShare ?? 0.1));
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Events in hand in this process (being stored, handled inline or answered). */
  let inHand = 0;
  /** Drained events being handled now. */
  let draining = 0;
  /**
   * The drainer's last claim found events: it is working through a backlog, and new events
   * join it (rather than jump it) until a claim finds nothing.
   */
  let backlog = false;
  /** An event was queued since the drainer last looked. */
  let queuedSinceClaim = false;
  let stopped = true;
  /** Completions of handled events not written yet. */
  const completing = new Set<Promise<void>>();
  /** Ends the drainer's pause at once (when stopping). */
  let endPause: (() => void) | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  /** Wakes the drainer after `delayMs` unless an earlier wake is set. */
  function wakeIn(delayMs: number): void {
    if (stopped) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (timer && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      kick();
    }, at - Date.now());
    // A wake alone does not keep the process alive.
    timer.unref();
  }

  function kick(): void {
    if (stopped) return;
    if (pass) {
      again = true;
      return;
    }
    pass = drain().finally(() => {
      pass = undefined;
      wakeIn(pollMs);
    });
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const deferrable = deps.registry
          .list()
          .filter((c) => typeof c.deferredResponse === 'function')
          .map((c) => c.id);
        queuedSinceClaim = false;
        let batch: QueuedWebhookEvent[];
        try {
          batch = await deps.events.claimQueued(deferrable, iso(deps.clock.now()), batchSize);
        } catch (error) {
          // The database may be away for a moment: try again soon.
          deps.log.error({ err: messageOf(error) }, 'could not claim queued webhook events');
          wakeIn(1000);
          return;
        }
        backlog = batch.length > 0;
        if (batch.length === 0) break;
        const started = performance.now();
        draining += batch.length;
        try {
          await Promise.all(batch.map(handleQueued));
        } finally {
          draining -= batch.length;
        }
        // Let the requests that arrived meanwhile in before the next batch; when they are
        // many, for long enough that the drainer takes only its share of the time.
        const took = performance.now() - started;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (inHand > inlineLimit) await pause((took * (1 - drainShare)) / drainShare);
      }
    } while (again && !stopped);
  }

  function pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wait = setTimeout(done, ms);
      function done() {
        clearTimeout(wait);
        endPause = undefined;
        resolve();
      }
      endPause = done;
    });
  }

  async function handleQueued(queued: QueuedWebhookEvent): Promise<void> {
    const { connector: id, eventId, token, attempts, request } = queued;
    try {
      const connector = deps.registry.get(id);
      if (!connector) throw new Error(`no webhook connector \`${id}\` is registered`);
      const contentType = request.headers['content-type'];
      const event: WebhookEvent = {
        ...request,
        body: deps.parseBody(
          Array.isArray(contentType) ? contentType[0] : contentType,
          request.rawBody,
        ),
        connector: id,
        eventId,
        receivedAt: queued.receivedAt,
      };
      await connector.handle(event);
    } catch (error) {
      const giveUp = attempts >= maxAttempts;
      const delay = retryDelayMs(attempts);
      const now = deps.clock.now();
      const fields = { connector: id, eventId, attempts, err: messageOf(error) };
      if (giveUp) deps.log.error(fields, 'webhook event failed for good; it stays `failed`');
      else deps.log.warn({ ...fields, retryInMs: delay }, 'webhook event failed; retried later');
      await deps.events
        .fail(id, eventId, token, {
          error: messageOf(error).slice(0, 500),
          at: iso(now),
          retryAt: giveUp ? null : iso(now + delay),
        })
        .catch((e: unknown) =>
          deps.log.error(
            { connector: id, eventId, err: messageOf(e) },
            'could not record a webhook failure',
          ),
        );
      if (!giveUp) wakeIn(delay);
      return;
    }
    // Not waited for: it shares the store's next write (the claim keeps the event from
    // being taken again meanwhile). If it is lost, the claim goes stale and is taken over
    // (connectors handle a repeat idempotently).
    const completion: Promise<void> = deps.events
      .complete(id, eventId, token, iso(deps.clock.now()), { lazy: true })
      .then(
        () => deps.log.debug({ connector: id, eventId, attempts }, 'queued webhook handled'),
        (error: unknown) =>
          deps.log.error(
            { connector: id, eventId, err: messageOf(error) },
            'could not complete a webhook event',
          ),
      )
      .finally(() => completing.delete(completion));
    completing.add(completion);
  }

  return {
    shouldDefer: () => inHand > inlineLimit || draining > 0 || backlog || queuedSinceClaim,
    async track(work) {
      inHand++;
      try {
        return await work();
      } finally {
        inHand--;
      }
    },
    kick() {
      queuedSinceClaim = true;
      kick();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      kick();
    },
    async stop() {
      stopped = true;
      endPause?.();
      clearTimeout(timer);
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      await pass;
      await Promise.all(completing);
    },
  };
}

/** An error's message: what is logged and stored (never a request body). */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
