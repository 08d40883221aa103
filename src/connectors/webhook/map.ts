/** The body of an outbound webhook (pure). */
import type { OutboxItem } from '../../app/ports/outbox.js';

export interface WebhookBody {
  /** The delivery id: the outbox key, the same on every retry. */
  id: string;
  event: string;
  /** ISO instant of this attempt's first creation (the item's). */
  createdAt: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  /** The past-due balance when the action was planned, in cents. */
  pastDueCents: number | null;
  policyVersion: number | null;
}

export function webhookBodyOf(item: OutboxItem): WebhookBody {
  const event = typeof item.payload.event === 'string' ? item.payload.event : item.action;
  return {
    id: item.key,
    event,
    createdAt: item.createdAt,
    leaseId: item.leaseId,
    episode: item.episode,
    stage: item.stage,
    action: item.action,
    pastDueCents: item.pastDueCents,
    policyVersion: item.policyVersion,
  };
}

export function webhookUrlOf(item: OutboxItem): string | undefined {
  return typeof item.payload.url === 'string' ? item.payload.url : undefined;
}
