/**
 * A scan's evaluation may stop before the end of its horizon (EvaluationWindow.nextDueAfter)
 * once later days cannot matter. It must plan exactly what the whole horizon plans: the
 * items due by now, what is cancelled, the episodes open or closed by today and the first
 * due action after now (when the lease is looked at again).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchPolicy, benchPortfolio } from '../../bench/fixtures.js';
import { planItems } from '../../src/app/plan-items.js';
import { addDays } from '../../src/domain/dates.js';
import { evaluateLease, type LeaseInput } from '../../src/domain/evaluator/lease-run.js';
import { leaseInputs } from '../../src/domain/evaluator/simulate.js';
import type { Policy } from '../../src/domain/policy/schema.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { parsePortfolio } from '../../src/domain/portfolio/read.js';
import type { Portfolio } from '../../src/domain/portfolio/schema.js';
import { epochToLocal, localToEpoch } from '../../src/domain/time.js';

const HORIZON = 45;

function example(name: string): { portfolio: Portfolio; policies: Policy[] } {
  const path = (p: string) => new URL(`../../examples/${p}`, import.meta.url);
  return {
    portfolio: parsePortfolio(readFileSync(path(`portfolios/${name}.json`), 'utf8'), name),
    policies: [parsePolicy(readFileSync(path(`policies/${name}.yaml`), 'utf8'), name)],
  };
}

/** What a scan takes from one evaluation, as of `nowMs`. */
function planned(input: LeaseInput, nowMs: number, stop: boolean) {
  const today = epochToLocal(nowMs, input.property.timezone).date;
  const t = evaluateLease(input, {
    from: addDays(today, -40),
    to: addDays(today, HORIZON),
    ...(stop ? { nextDueAfter: nowMs } : {}),
  });
  const plan = planItems(t, nowMs, today, () => 0);
  return {
    stoppedOn: t.final?.date,
    plan,
    episodes: t.episodes.filter((e) => e.opened <= today),
    // The first later day an episode opens or closes on: the other way a scan wakes.
    nextEpisodeDate:
      t.episodes
        .flatMap((e) => [e.opened, e.closed])
        .filter((d): d is string => d !== null && d > today)
        .sort()[0] ?? null,
  };
}

const sets: [string, () => { portfolio: Portfolio; policies: Policy[] }][] = [
  ['residential-ca', () => example('residential-ca')],
  ['storage-ca', () => example('storage-ca')],
  ['residential-tx', () => example('residential-tx')],
  ['commercial', () => example('commercial')],
  ['bench typical', () => ({ portfolio: benchPortfolio(400), policies: [benchPolicy()] })],
  ['bench stress', () => ({ portfolio: benchPortfolio(400, 'stress'), policies: [benchPolicy()] })],
  [
    // Paid-up leases whose promise (to pay more) is still open: it breaks on its date.
    'open promises',
    () => {
      const portfolio = benchPortfolio(40);
      return {
        portfolio: {
          ...portfolio,
          events: portfolio.leases.map((l) => ({
            leaseId: l.id,
            date: '2026-11-06',
            type: 'promise' as const,
            amountCents: 10_000,
            until: '2026-11-20',
          })),
        },
        policies: [benchPolicy()],
      };
    },
  ],
];

describe('days skipped once nothing is left to happen change nothing', () => {
  for (const [name, load] of sets)
    it(`the same timeline as simulating every day (${name})`, () => {
      const { portfolio, policies } = load();
      const { inputs } = leaseInputs(portfolio, policies);
      let quiet = 0;
      for (const input of inputs)
        for (const [from, to] of [
          ['2026-09-01', '2026-12-31'],
          ['2026-11-05', '2026-12-20'],
        ] as const) {
          const window = { from, to };
          const skipped = evaluateLease(input, window);
          const every = evaluateLease(input, { ...window, everyDay: true });
          const plain = (t: typeof every) => ({
            actions: t.actions,
            episodes: t.episodes,
            events: t.events,
            final: { ...t.final, blocked: undefined },
          });
          expect(plain(skipped), `${input.lease.id} ${from}..${to}`).toEqual(plain(every));
          if (skipped.episodes.every((e) => e.closed !== null)) quiet++;
        }
      // A year of the stress mix leaves no lease caught up: nothing there goes quiet.
      if (name !== 'bench stress') expect(quiet).toBeGreaterThan(0);
    });
});

describe('a scan’s evaluation ends early only when later days cannot matter', () => {
  for (const [name, load] of sets)
    it(`plans what the whole horizon plans (${name})`, () => {
      const { portfolio, policies } = load();
      const { inputs } = leaseInputs(portfolio, policies);
      let stoppedEarly = 0;
      let compared = 0;
      for (const input of inputs)
        for (const day of ['2026-10-03', '2026-10-11', '2026-11-05', '2026-11-20'])
          for (const hour of [8, 15, 22]) {
            const nowMs = localToEpoch(day, hour * 60, input.property.timezone);
            const whole = planned(input, nowMs, false);
            const early = planned(input, nowMs, true);
            expect(early.plan, `${input.lease.id} at ${day} ${hour}:00`).toEqual(whole.plan);
            expect(early.episodes).toEqual(whole.episodes);
            // Waking for an episode date only matters before the next due action.
            const next =
              whole.plan.nextDueAt === null ? Infinity : Date.parse(whole.plan.nextDueAt);
            const wake = (d: string | null) =>
              d === null ? Infinity : localToEpoch(d, 0, input.property.timezone);
            expect(Math.min(next, wake(early.nextEpisodeDate))).toBe(
              Math.min(next, wake(whole.nextEpisodeDate)),
            );
            if (early.stoppedOn !== whole.stoppedOn) stoppedEarly++;
            compared++;
          }
      expect(compared).toBeGreaterThan(0);
      if (name === 'bench typical') expect(stoppedEarly).toBeGreaterThan(compared / 20);
    });
});
