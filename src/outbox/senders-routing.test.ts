import { describe, expect, it } from 'vitest';
import { outboxItem } from '../../test/support/connectors.js';
import type { Sender, SendOutcome } from '../app/ports/outbox.js';
import { senderRegistry } from './senders.js';

const fixed = (id: string, outcome: SendOutcome, seen: string[] = []): Sender => ({
  id,
  idempotent: true,
  send: (item) => {
    seen.push(`${id}:${item.key}`);
    return Promise.resolve(outcome);
  },
});

describe('routes named in the payload', () => {
  it('escalate:legal and access fan-out', async () => {
    const seen: string[] = [];
    const reg = senderRegistry({
      'escalate:legal': fixed('legalzoom', { tag: 'accepted', externalId: 'm1' }),
      'access:portal': fixed('okta', { tag: 'accepted', externalId: 'u1' }, seen),
      'access:gate': fixed('gate', { tag: 'retryable', reason: 'x' }, seen),
      '*': fixed('sandbox', { tag: 'accepted', externalId: 's' }, seen),
    });
    expect(
      reg.senderFor(outboxItem({ type: 'escalate', channel: null, payload: { to: 'legal' } }))?.id,
    ).toBe('legalzoom');
    expect(
      reg.senderFor(outboxItem({ type: 'escalate', channel: null, payload: { to: 'owner' } }))?.id,
    ).toBe('sandbox');
    expect(
      reg.senderFor(outboxItem({ type: 'access', channel: null, payload: { deny: ['portal'] } }))
        ?.id,
    ).toBe('okta');
    const both = outboxItem({
      type: 'access',
      channel: null,
      payload: { deny: ['gate', 'portal', 'online_payments'] },
    });
    const s = reg.senderFor(both)!;
    expect(s.id).toBe('gate+okta+sandbox');
    expect(await s.send(both, { idempotencyKey: both.key })).toEqual({
      tag: 'retryable',
      reason: 'x',
    });
    expect(seen).toHaveLength(3);
  });
});
