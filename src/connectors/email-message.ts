/**
 * What every e-mail provider's sender shares (SendGrid, Mailgun): the planned subject and
 * body of an item, and the checks before a provider is called — a contact with an e-mail
 * address and a rendered body, else `rejected` with a reason code.
 */
import type { OutboxItem, Sender, SendOutcome } from '../app/ports/outbox.js';
import type { Contact, ConnectorContext } from './context.js';

export function subjectOf(item: OutboxItem): string | undefined {
  const s = item.payload.subject ?? item.payload.title;
  return typeof s === 'string' && s !== '' ? s : undefined;
}

export function bodyOf(item: OutboxItem): string | undefined {
  const b = item.payload.body;
  return typeof b === 'string' && b !== '' ? b : undefined;
}

export interface EmailToSend {
  item: OutboxItem;
  contact: Contact & { email: string };
  text: string;
  unsubscribeUrl: string | undefined;
  signal: AbortSignal | undefined;
}

/** A `message:email` sender that checks recipient and body, then calls `send`. */
export function emailSender(
  id: string,
  ctx: Pick<ConnectorContext, 'recipients' | 'unsubscribeUrl'>,
  send: (mail: EmailToSend) => Promise<SendOutcome>,
): Sender {
  return {
    id,
    idempotent: false,
    async send(item, sendCtx) {
      const contact = await ctx.recipients.contactOf(item);
      if (!contact?.email)
        return { tag: 'rejected', code: 'no_contact', reason: 'the contact has no e-mail address' };
      const text = bodyOf(item);
      if (text === undefined)
        return { tag: 'rejected', code: 'no_content', reason: 'the item has no rendered body' };
      return send({
        item,
        contact: { ...contact, email: contact.email },
        text,
        unsubscribeUrl: ctx.unsubscribeUrl?.(item),
        signal: sendCtx.signal,
      });
    },
  };
}
