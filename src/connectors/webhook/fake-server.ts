/**
 * A receiver of Arrears' signed webhooks: it checks X-Arrears-Signature (401 when missing,
 * forged or stale), dedupes on X-Arrears-Delivery and keeps what it accepted.
 */
import { fixedClock } from '../../app/ports/clock.js';
import { startFake, type FakeServer } from '../fake/fake-http.js';
import { verifySandboxSignature } from '../sandbox/webhooks.js';

export interface WebhookReceiverFake extends FakeServer {
  /** Accepted deliveries, once each. */
  delivered: Map<string, unknown>;
  /** Answer 410 Gone from now on (a Zap was turned off). */
  gone: boolean;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiverFake> {
  const delivered = new Map<string, unknown>();
  // eslint-disable-next-line prefer-const -- the handler reads it once it is assigned
  let receiver: WebhookReceiverFake;
  const fake = await startFake((req, reply) => {
    if (receiver.gone) return reply.json(410, { message: 'gone' });
    const check = verifySandboxSignature(
      secret,
      req.headers['x-arrears-signature'],
      req.raw,
      fixedClock(Date.now()),
    );
    if (!check.ok) return reply.json(401, { message: check.reason });
    const id = req.headers['x-arrears-delivery'];
    if (typeof id !== 'string')
      return reply.json(400, { message: 'X-Arrears-Delivery is required' });
    if (!delivered.has(id)) delivered.set(id, req.json);
    reply.json(200, { received: true, id });
  });
  receiver = Object.assign(fake, { delivered, gone: false });
  return receiver;
}
