/**
 * The default provider (SPEC 9: "sandbox providers unless configured"): accepts everything,
 * calls no network, and remembers what it would have sent. Idempotent by key: sending the
 * same key again returns the first answer and records nothing new, as a real provider given
 * an idempotency key does.
 */
import { createHash } from 'node:crypto';
import type { OutboxItem, Sender, SendOutcome } from '../app/ports/outbox.js';
import { contentHash } from '../domain/outbox/draft.js';

export interface SandboxDelivery {
  key: string;
  externalId: string;
  leaseId: string;
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  /** sha256 of the content it would have sent (the content itself stays in the outbox). */
  contentSha256: string;
  /** How many times the key was sent (1 effect, however many requests). */
  requests: number;
}

export interface SandboxSender extends Sender {
  /** Every distinct key accepted, in order. */
  deliveries(): SandboxDelivery[];
  delivery(key: string): SandboxDelivery | undefined;
}

export function createSandboxSender(
  options: { id?: string; onDelivery?: (d: SandboxDelivery) => void } = {},
): SandboxSender {
  const sent = new Map<string, SandboxDelivery>();
  return {
    id: options.id ?? 'sandbox',
    idempotent: true,
    send(item: OutboxItem, ctx): Promise<SendOutcome> {
      const key = ctx.idempotencyKey;
      const seen = sent.get(key);
      if (seen) {
        seen.requests++;
        return Promise.resolve({ tag: 'accepted', externalId: seen.externalId });
      }
      const delivery: SandboxDelivery = {
        key,
        externalId: `sandbox_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`,
        leaseId: item.leaseId,
        type: item.type,
        channel: item.channel,
        method: item.method,
        contactId: item.contactId,
        contentSha256: contentHash(item.payload),
        requests: 1,
      };
      sent.set(key, delivery);
      options.onDelivery?.(delivery);
      return Promise.resolve({ tag: 'accepted', externalId: delivery.externalId });
    },
    deliveries: () => [...sent.values()],
    delivery: (key) => sent.get(key),
  };
}
