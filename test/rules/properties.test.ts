/**
 * Properties of the evaluator over random ledgers, event streams and policies
 * (fast-check): prefix stability, unique keys, nothing due after a case closes, stages
 * in order, and a reason for everything not done.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates.js';
import type { PlannedAction } from '../../src/domain/evaluator/types.js';
import { epochToLocal } from '../../src/domain/time.js';
import {
  ANA,
  OAK_COURT,
  policy as buildPolicy,
  portfolio as buildPortfolio,
  run,
} from '../support/build.js';

const FROM = '2026-09-01';
const TO = '2026-12-31';
const offsetDate = (n: number) => addDays(FROM, n);

const ledgerArb = fc
  .record({
    rents: fc.array(fc.integer({ min: 5000, max: 300000 }), { minLength: 1, maxLength: 4 }),
    payments: fc.array(
      fc.record({
        day: fc.integer({ min: 0, max: 120 }),
        cents: fc.integer({ min: 1, max: 300000 }),
      }),
      { maxLength: 5 },
    ),
    reverseFirst: fc.boolean(),
    utility: fc.option(fc.integer({ min: 100, max: 20000 }), { nil: undefined }),
  })
  .map(({ rents, payments, reverseFirst, utility }) => {
    const ledger: unknown[] = rents.map((cents, i) => {
      const due = `2026-${String(9 + i).padStart(2, '0')}-01`;
      return {
        id: `C${i}`,
        leaseId: 'L1',
        date: due,
        type: 'charge',
        category: 'rent',
        amountCents: cents,
        dueDate: due,
      };
    });
    if (utility)
      ledger.push({
        id: 'U1',
        leaseId: 'L1',
        date: '2026-09-05',
        type: 'charge',
        category: 'utility',
        amountCents: utility,
        dueDate: '2026-09-10',
      });
    payments.forEach((p, i) =>
      ledger.push({
        id: `P${i}`,
        leaseId: 'L1',
        date: offsetDate(p.day),
        type: 'payment',
        amountCents: p.cents,
      }),
    );
    if (reverseFirst && payments[0]) {
      ledger.push({
        id: 'R0',
        leaseId: 'L1',
        date: offsetDate(Math.min(120, payments[0].day + 5)),
        type: 'reversal',
        amountCents: payments[0].cents,
        reverses: 'P0',
      });
    }
    return ledger;
  });

const eventArb = fc.oneof(
  fc
    .record({
      day: fc.integer({ min: 0, max: 120 }),
      len: fc.integer({ min: 0, max: 10 }),
      cents: fc.option(fc.integer({ min: 1, max: 200000 }), { nil: undefined }),
    })
    .map((e) => ({
      leaseId: 'L1',
      date: offsetDate(e.day),
      type: 'promise',
      until: offsetDate(e.day + e.len),
      ...(e.cents ? { amountCents: e.cents } : {}),
    })),
  fc
    .record({ day: fc.integer({ min: 0, max: 120 }), len: fc.integer({ min: 1, max: 20 }) })
    .map((e) => [
      { leaseId: 'L1', date: offsetDate(e.day), type: 'dispute' },
      { leaseId: 'L1', date: offsetDate(e.day + e.len), type: 'release', hold: 'dispute' },
    ]),
  fc
    .record({
      day: fc.integer({ min: 0, max: 120 }),
      text: fc.constantFrom(
        'STOP',
        'START',
        "I'll pay Friday",
        'I lost my job',
        'who is this',
        'ok',
      ),
    })
    .map((e) => ({
      leaseId: 'L1',
      date: offsetDate(e.day),
      type: 'reply',
      channel: 'sms',
      text: e.text,
    })),
  fc
    .record({ day: fc.integer({ min: 0, max: 120 }), len: fc.integer({ min: 0, max: 9 }) })
    .map((e) => ({
      leaseId: 'L1',
      date: offsetDate(e.day),
      type: 'hold',
      hold: 'manual',
      until: offsetDate(e.day + e.len),
    })),
  fc
    .integer({ min: 0, max: 120 })
    .map((day) => ({ leaseId: 'L1', date: offsetDate(day), type: 'flag' })),
);

const actionArb = (i: number) =>
  fc.constantFrom(
    { id: `sms${i}`, type: 'message', channel: 'sms', template: 'reminder', fallback: 'email' },
    {
      id: `mail${i}`,
      type: 'message',
      channel: 'email',
      template: 'late-notice',
      recurring: 'per_invoice',
    },
    { id: `call${i}`, type: 'task', title: 'Call' },
    { id: `fee${i}`, type: 'fee', amountCents: 2500 },
    {
      id: `dfee${i}`,
      type: 'fee',
      amountCents: 500,
      recurring: 'daily',
      maxDays: 3,
      capCents: 1200,
    },
    { id: `gate${i}`, type: 'access', deny: ['gate'] },
    {
      id: `doc${i}`,
      type: 'document',
      template: 'past-due-notice',
      delivery: ['email', 'first_class'],
    },
  );

const policyArb = fc
  .record({
    gaps: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 6 }),
    catchUp: fc.constantFrom('latest', 'all'),
    partialPayment: fc.constantFrom('keep_anchor', 'reanchor'),
    onHoldRelease: fc.constantFrom('shift', 'resume'),
    calendar: fc.constantFrom('calendar', 'business'),
    quietDays: fc.constantFrom([], ['sunday']),
    runAt: fc.constantFrom('09:00', '21:30', '02:30'),
    requiredMask: fc.integer({ min: 0, max: 63 }),
    minGap: fc.integer({ min: 0, max: 3 }),
  })
  .chain((p) =>
    fc
      .tuple(...p.gaps.map((_, i) => fc.array(actionArb(i), { minLength: 1, maxLength: 2 })))
      .map((actions) => ({ p, actions })),
  )
  .map(({ p, actions }) => {
    let day = 0;
    const stages = p.gaps.map((gap, i) => {
      day += gap;
      const unique = actions[i]!.filter((a, j, all) => all.findIndex((b) => b.id === a.id) === j);
      return {
        id: `s${i}`,
        day,
        required: ((p.requiredMask >> i) & 1) === 1,
        minGapDays: i % 2 ? p.minGap : 0,
        actions: unique,
      };
    });
    return {
      runAt: p.runAt,
      policy: buildPolicy({
        catchUp: p.catchUp as 'latest',
        partialPayment: p.partialPayment as 'keep_anchor',
        onHoldRelease: p.onHoldRelease as 'shift',
        calendar: p.calendar as 'calendar',
        quietDays: p.quietDays as [],
        stages: stages as never,
      }),
    };
  });

const scenarioArb = fc.record({
  ledger: ledgerArb,
  events: fc.array(eventArb, { maxLength: 5 }).map((es) => es.flat()),
  pol: policyArb,
});

function scenario(s: {
  ledger: unknown[];
  events: unknown[];
  pol: { runAt: string; policy: ReturnType<typeof buildPolicy> };
}) {
  const p = buildPortfolio({
    properties: [{ ...OAK_COURT, runAt: s.pol.runAt }],
    tenants: [ANA, { id: 'T2', name: 'Alt', role: 'alternate', consent: { email: true } }],
    leases: [{ id: 'L1', propertyId: 'P1', unit: '1', tenantIds: ['T1', 'T2'], rentCents: 150000 }],
    ledger: s.ledger as never,
    events: s.events as never,
  });
  return { p, policy: s.pol.policy };
}

const fireDate = (a: PlannedAction) =>
  epochToLocal(Date.parse(a.deferredFrom ?? a.at), 'America/Los_Angeles').date;
const runs = { numRuns: 150 };

describe('evaluator properties', () => {
  it('is prefix-stable: what is due up to d does not depend on how far the simulation runs', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 100 }), (s, cut) => {
        const { p, policy } = scenario(s);
        const d = addDays(FROM, cut);
        const short = run(p, policy, FROM, d);
        const long = run(p, policy, FROM, TO);
        expect(short.actions).toEqual(long.actions.filter((a) => a.date <= d));
        expect(short.events).toEqual(long.events.filter((e) => e.date <= d));
      }),
      runs,
    );
  });

  it('never lists a key twice, nor a delivery key', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { p, policy } = scenario(s);
        const r = run(p, policy, FROM, TO);
        const keys = r.actions.map((a) => a.key);
        expect(new Set(keys).size).toBe(keys.length);
        const dkeys = r.actions.flatMap((a) => (a.deliveries ?? []).map((x) => x.key));
        expect(new Set(dkeys).size).toBe(dkeys.length);
      }),
      runs,
    );
  });

  it('has nothing due on or after the day a case closes, but the access restores', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { p, policy } = scenario(s);
        const r = run(p, policy, FROM, TO);
        for (const ep of r.episodes) {
          if (!ep.closed) continue;
          const late = r.actions.filter(
            (a) =>
              a.episode === ep.episode &&
              a.status === 'due' &&
              a.date >= ep.closed! &&
              a.stage !== '$close',
          );
          expect(late).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('never fires stage k before stage k−1', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { p, policy } = scenario(s);
        const r = run(p, policy, FROM, TO);
        for (const ep of r.episodes) {
          const first = new Map<number, string>();
          for (const a of r.actions) {
            if (a.episode !== ep.episode || a.stage.startsWith('$') || a.fallbackFor) continue;
            const k = Number(a.stage.slice(1));
            const d = a.occurrence !== undefined || a.chargeId ? undefined : fireDate(a);
            if (d && (!first.has(k) || d < first.get(k)!)) first.set(k, d);
          }
          const ks = [...first.keys()].sort((a, b) => a - b);
          for (let i = 1; i < ks.length; i++)
            expect(first.get(ks[i]!)! >= first.get(ks[i - 1]!)!).toBe(true);
        }
      }),
      runs,
    );
  });

  it('gives every skipped or cancelled action a reason', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { p, policy } = scenario(s);
        const r = run(p, policy, FROM, TO);
        for (const a of r.actions) if (a.status !== 'due') expect(a.reason).not.toBeNull();
      }),
      runs,
    );
  });
});
