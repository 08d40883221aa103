import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  manifestProblems,
  outboxItem,
} from '../../../test/support/connectors.js';
import { webhookConnector } from './index.js';
import { startWebhookReceiver, type WebhookReceiverFake } from './fake-server.js';

const SECRET = 'whsec_contract_test';
let receiver: WebhookReceiverFake;

beforeEach(async () => {
  receiver = await startWebhookReceiver(SECRET);
});
afterEach(() => receiver.close());

function harness(secret = SECRET) {
  return connectorHarness(webhookConnector, {
    ARREARS_WEBHOOK_SECRET: secret,
    ARREARS_WEBHOOK_BASE_URL: receiver.url,
  });
}

const item = () =>
  outboxItem({
    key: 'L1:1:notify-zap:hook',
    type: 'webhook',
    channel: null,
    action: 'hook',
    stage: 'notify-zap',
    payload: { url: `${receiver.url}/hooks/catch/1/abc`, event: 'case.escalated' },
  });

describe('webhook connector (signed outbound webhooks)', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(webhookConnector)).toEqual([]);
  });

  it('posts the event signed, with the outbox key as delivery id and idempotency key', async () => {
    const outcome = await harness().send('webhook', item());
    expect(outcome).toEqual({ tag: 'accepted', externalId: 'L1:1:notify-zap:hook' });
    const req = receiver.requests[0]!;
    expect(req.path).toBe('/hooks/catch/1/abc');
    expect(req.headers['idempotency-key']).toBe('L1:1:notify-zap:hook');
    expect(req.headers['x-arrears-event']).toBe('case.escalated');
    expect(req.json).toEqual({
      id: 'L1:1:notify-zap:hook',
      event: 'case.escalated',
      createdAt: '2026-10-06T16:00:00.000Z',
      leaseId: 'L1',
      episode: 1,
      stage: 'notify-zap',
      action: 'hook',
      pastDueCents: 120000,
      policyVersion: 1,
    });
    expect(receiver.delivered.size).toBe(1);
  });

  it('a receiver holding another secret refuses it; the item waits for the credentials', async () => {
    const outcome = await harness('wrong-secret').send('webhook', item());
    expect(outcome.tag).toBe('retryable');
    expect(receiver.delivered.size).toBe(0);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    receiver.failNext(1, 429, { 'retry-after': '0' });
    const outcome = await harness().send('webhook', item());
    expect(outcome.tag).toBe('accepted');
    expect(receiver.requests).toHaveLength(2);
  });

  it('retries a 5xx, then succeeds, delivering once', async () => {
    receiver.failNext(2, 502);
    const outcome = await harness().send('webhook', item());
    expect(outcome.tag).toBe('accepted');
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.delivered.size).toBe(1);
  });

  it('a 429 asking to wait longer than a call may sleep becomes retry_after', async () => {
    receiver.failNext(1, 429, { 'retry-after': '120' });
    const outcome = await harness().send('webhook', item());
    expect(outcome.tag).toBe('retry_after');
  });

  it('410 Gone fails the item for good', async () => {
    receiver.gone = true;
    expect(await harness().send('webhook', item())).toMatchObject({ tag: 'rejected', code: '410' });
  });

  it('`connectors test webhook` pings the base URL', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
  });
});
