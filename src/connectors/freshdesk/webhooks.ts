/**
 * `/webhooks/freshdesk`: Freshdesk automation rules ("Trigger webhook") calling back with a
 * staff member's private note. Freshdesk signs nothing (reference §14): the rule is set up to
 * send a custom header `X-Arrears-Secret: <WEBHOOK_SECRET>`, compared in constant time —
 * a bearer secret, so the URL must be HTTPS and the secret rotated if it leaks. There is no
 * timestamp and no event id either: the event id is the ticket id with the sha256 of the
 * body, so the same note delivered twice is handled once.
 *
 * A staff note is not a tenant's reply, so it goes to no inbound sink. It is logged (ticket,
 * lease, length and an excerpt) through ctx.log, which is the process log, not the
 * hash-chained audit log. When the context offers an audit port (`ctx.audit`, proposed in
 * the report) it also records a `helpdesk.note` entry about the lease — ticket, status,
 * length and the note's sha256, not its text: the audit log is permanent, and the text stays
 * in Freshdesk. Notes Arrears wrote itself (starting with `[Arrears]`) are ignored, so a
 * rule that fires on every note does not echo them back.
 */
import { createHash } from 'node:crypto';
import type {
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, safeEqual } from '../signing.js';
import { NOTE_MARK, staffNoteOf } from './map.js';

export const SECRET_HEADER = 'X-Arrears-Secret';

/** The audit port the context should offer (ConnectorContext.audit, proposed). */
interface AuditPort {
  audit?(entry: { type: string; subject: string; data: Record<string, unknown> }): Promise<void>;
}

const EXCERPT = 200;

/** The note as text: Freshdesk's placeholder gives the note's HTML. */
function plain(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

export function freshdeskWebhook(
  ctx: ConnectorContext,
  secret: string | undefined,
): WebhookConnector {
  const key = secret?.trim() ? secret.trim() : undefined;
  return {
    id: 'freshdesk',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no webhook secret configured' };
      const given = headerOf(request.headers, SECRET_HEADER);
      if (given === undefined || given === '')
        return { ok: false, reason: `no ${SECRET_HEADER} header` };
      if (!safeEqual(given.trim(), key))
        return { ok: false, reason: `${SECRET_HEADER} does not match` };
      const ticket = staffNoteOf(request.body)?.ticketId ?? 'unknown';
      const digest = createHash('sha256').update(request.rawBody).digest('hex');
      return { ok: true, eventId: `fd:${ticket.slice(0, 40)}:${digest}` };
    },
    async handle(event): Promise<WebhookResponse> {
      const n = staffNoteOf(event.body);
      const ack = { received: true, duplicate: false, eventId: event.eventId };
      if (!n || n.note === null) return { body: { ...ack, ignored: true, why: 'no ticket note' } };
      const text = plain(n.note);
      if (text.startsWith(NOTE_MARK))
        return { body: { ...ack, ignored: true, why: 'written by Arrears' } };
      if (n.leaseId === null) {
        ctx.log.warn(
          { connector: 'freshdesk', ticketId: n.ticketId },
          'staff note on a ticket without cf_arrears_lease_id: not tied to a lease',
        );
        return { body: { ...ack, ignored: true, why: 'no lease on the ticket' } };
      }
      ctx.log.info(
        {
          connector: 'freshdesk',
          eventId: event.eventId,
          ticketId: n.ticketId,
          leaseId: n.leaseId,
          ticketStatus: n.status,
          noteChars: text.length,
          excerpt: text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text,
        },
        'staff note on the lease’s Freshdesk ticket',
      );
      const audit = (ctx as ConnectorContext & AuditPort).audit;
      if (audit)
        await audit({
          type: 'helpdesk.note',
          subject: `lease:${n.leaseId}`,
          data: {
            provider: 'freshdesk',
            ticketId: n.ticketId,
            ticketStatus: n.status,
            noteChars: text.length,
            noteSha256: createHash('sha256').update(text).digest('hex'),
          },
        });
      return {
        body: {
          ...ack,
          leaseId: n.leaseId,
          ticketId: n.ticketId,
          logged: true,
          audited: audit !== undefined,
        },
      };
    },
  };
}
