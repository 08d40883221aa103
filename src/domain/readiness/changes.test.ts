import { describe, expect, it } from 'vitest';
import { payment, policy, portfolio, rent } from '../../../test/support/build.js';
import { evaluateLease } from '../evaluator/lease-run.js';
import { leaseInputs } from '../evaluator/simulate.js';
import type { PortfolioInput } from '../portfolio/schema.js';
import { runSnapshot, snapshotOf, whatChanged, type RunSnapshot } from './changes.js';
import { leaseReadiness } from './readiness.js';

function snapshot(over: Partial<PortfolioInput>, at: string): RunSnapshot {
  const { inputs } = leaseInputs(portfolio(over), [policy()]);
  return runSnapshot(
    at,
    inputs.map((input) =>
      snapshotOf(input, at, undefined, { readiness: leaseReadiness(input, at).state }),
    ),
  );
}

const brief = (changes: { leaseId: string; type: string; detail: string }[]) =>
  changes.map((c) => `${c.leaseId} ${c.type}: ${c.detail}`);

describe('what changed since last run (SPEC 8)', () => {
  const promise = {
    leaseId: 'L1',
    date: '2026-10-09',
    type: 'promise' as const,
    amountCents: 150000,
    until: '2026-10-16',
  };

  it('the first run has no "since": every lease is new', () => {
    expect(brief(whatChanged(null, snapshot({}, '2026-10-05')))).toEqual([
      'L1 lease_added: new lease: $1,500.00 past due, balance $1,500.00',
    ]);
  });

  it('Oct 1 rent due; the 10-02 run sees the case open; Oct 12 payment: case closes', () => {
    const ledger = [rent('C1', '2026-10-01'), payment('P9', '2026-10-12', 150000)];
    const oct1 = snapshot({ ledger }, '2026-10-01');
    const oct2 = snapshot({ ledger }, '2026-10-02');
    expect(oct1.leases[0]).toMatchObject({ openEpisode: null, readiness: 'current' });
    expect(brief(whatChanged(oct1, oct2))).toEqual([
      'L1 case_opened: case 1 opened with $1,500.00 past due',
      'L1 balance_changed: past due $0.00 → $1,500.00',
      'L1 readiness_changed: readiness current → ready',
    ]);
    const oct13 = snapshot({ ledger }, '2026-10-13');
    expect(whatChanged(oct2, oct13)).toEqual([
      { leaseId: 'L1', type: 'case_closed', detail: 'case 1 closed', episode: 1 },
      {
        leaseId: 'L1',
        type: 'payment_received',
        detail: 'payment P9 of $1,500.00 on 2026-10-12',
        id: 'P9',
        amountCents: 150000,
        date: '2026-10-12',
      },
      {
        leaseId: 'L1',
        type: 'balance_changed',
        detail: 'past due $1,500.00 → $0.00, balance $1,500.00 → $0.00',
        amountCents: -150000,
        from: 150000,
        to: 0,
      },
      {
        leaseId: 'L1',
        type: 'readiness_changed',
        detail: 'readiness ready → current',
        from: 'ready',
        to: 'current',
      },
    ]);
  });

  it('a reply and a promise arrive; the promise is broken after 10-16', () => {
    const events: PortfolioInput['events'] = [
      { leaseId: 'L1', date: '2026-10-08', type: 'reply', channel: 'sms', text: "I'll pay Friday" },
      promise,
    ];
    const oct7 = snapshot({ events }, '2026-10-07');
    const oct10 = snapshot({ events }, '2026-10-10');
    expect(brief(whatChanged(oct7, oct10))).toEqual([
      'L1 reply_received: reply 2026-10-08/sms/1 received',
      'L1 hold_started: promise hold since 2026-10-09 until 2026-10-16',
      'L1 readiness_changed: readiness ready → hold',
    ]);
    // On 10-16 the promise is still in force; it breaks at the end of the day.
    expect(whatChanged(oct10, snapshot({ events }, '2026-10-16'))).toEqual([]);
    expect(brief(whatChanged(oct10, snapshot({ events }, '2026-10-17')))).toEqual([
      'L1 hold_expired: promise hold since 2026-10-09 no longer in force',
      'L1 promise_broken: promise of $1,500.00 made 2026-10-09 broken (due by 2026-10-16)',
      'L1 readiness_changed: readiness hold → ready',
    ]);
  });

  it('a kept promise is reported once', () => {
    const ledger = [rent('C1', '2026-10-01'), payment('P1', '2026-10-12', 150000)];
    const oct10 = snapshot({ ledger, events: [promise] }, '2026-10-10');
    const oct12 = snapshot({ ledger, events: [promise] }, '2026-10-12');
    expect(whatChanged(oct10, oct12).map((c) => c.type)).toEqual([
      'case_closed',
      'payment_received',
      'balance_changed',
      'hold_expired',
      'promise_kept',
      'readiness_changed',
    ]);
    expect(whatChanged(oct12, snapshot({ ledger, events: [promise] }, '2026-10-13'))).toEqual([]);
  });

  it('leases added and removed between runs', () => {
    const before = snapshot({}, '2026-10-05');
    const after = runSnapshot('2026-10-06', [{ ...before.leases[0]!, leaseId: 'L2' }]);
    expect(whatChanged(before, after).map((c) => `${c.leaseId} ${c.type}`)).toEqual([
      'L1 lease_removed',
      'L2 lease_added',
    ]);
  });

  it('takes the open episode from the evaluator result when given', () => {
    const { inputs } = leaseInputs(portfolio({}), [policy()]);
    const input = inputs[0]!;
    const timeline = evaluateLease(input, { from: '2026-10-01', to: '2026-10-20' });
    expect(snapshotOf(input, '2026-10-20', timeline).openEpisode).toBe(1);
    expect(snapshotOf(input, '2026-10-20', { episodes: [] }).openEpisode).toBeNull();
    expect(snapshotOf(input, '2026-10-20').openEpisode).toBe(1);
  });
});
