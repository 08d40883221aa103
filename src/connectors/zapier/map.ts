/** Zapier's answer to a posted event → what publishing does next (pure). */
import type { HookDeliveryResult, PublicEvent } from '../../app/publish-events.js';

/** Headers every posted event carries, so a receiver can dedupe without parsing the body. */
export function eventHeaders(event: PublicEvent): Record<string, string> {
  return { 'X-Arrears-Event': event.event, 'X-Arrears-Event-Id': event.id };
}

export function deliveryResultOf(
  res: { status: number; retryAfterMs: number | null },
  now: number,
): HookDeliveryResult {
  if (res.status >= 200 && res.status < 300) return { tag: 'delivered' };
  // Zapier's word for "this subscription is over" (the Zap was turned off or deleted).
  if (res.status === 410) return { tag: 'gone' };
  const reason = `HTTP ${res.status}`;
  if ((res.status === 429 || res.status === 503) && res.retryAfterMs !== null)
    return { tag: 'retry', reason, at: new Date(now + res.retryAfterMs).toISOString() };
  return { tag: 'retry', reason };
}
