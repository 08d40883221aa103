/**
 * The shipped state workflows (examples/policies/states/*.yaml) against their packs.
 *
 * Every policy validates; simulated on a small generated portfolio of its state, its
 * timeline respects the pack — no late fee before the statutory grace or above the cap, no
 * notice before its earliest day or by a method the statute does not accept, the notices a
 * statute requires first come first, and no filing, cut lock or sale before the notice's
 * period has run (with the real holiday calendar). And per state, a fee above the cap, a
 * fee before the grace, a shortened notice period, a method the state does not accept and
 * autopilot on unverified law are each rejected naming the rule's citation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, type LocalDate } from '../dates.js';
import { simulate } from '../evaluator/simulate.js';
import type { PlannedAction } from '../evaluator/types.js';
import { parsePolicy } from '../policy/read.js';
import type { Policy } from '../policy/schema.js';
import { isFollowUp, validatePolicy } from '../policy/validate.js';
import { parsePortfolio } from '../portfolio/read.js';
import type { DeliveryMethod, PropertyKind } from '../portfolio/schema.js';
import { followUpsOf, noticeDeadline } from './deadlines.js';
import { capPercentCeiling, capUpperBoundCents, feeCapCents } from './fee-caps.js';
import { getPack, lateFeeRuleFor, listPacks, noticeRuleFor } from './index.js';
import type { NoticeRule, RuleMeta } from './types.js';

const DIR = new URL('../../../examples/policies/states/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const FROM = '2026-10-01';
const TO = '2027-03-31';

const TIMEZONES: Record<string, string> = {
  AZ: 'America/Phoenix',
  CA: 'America/Los_Angeles',
  CO: 'America/Denver',
  FL: 'America/New_York',
  GA: 'America/New_York',
  IL: 'America/Chicago',
  MA: 'America/New_York',
  MD: 'America/New_York',
  MI: 'America/Detroit',
  NC: 'America/New_York',
  NJ: 'America/New_York',
  NV: 'America/Los_Angeles',
  NY: 'America/New_York',
  OH: 'America/New_York',
  OR: 'America/Los_Angeles',
  PA: 'America/New_York',
  TN: 'America/Chicago',
  TX: 'America/Chicago',
  VA: 'America/New_York',
  WA: 'America/Los_Angeles',
};

function load(file: string): Policy {
  return parsePolicy(readFileSync(new URL(file, DIR), 'utf8'), file);
}

interface GeneratedLease {
  id: string;
  rentCents: number;
  /** Dates on which this lease pays the rent due that month, by due date. */
  paidOn: Record<LocalDate, LocalDate>;
}

/**
 * Three leases: one that never pays, one with a small rent that never pays (fee caps that
 * depend on rent), and one that pays October's rent (and its fees) late, then on time.
 */
function generatePortfolio(jurisdiction: string, kind: PropertyKind) {
  const state = jurisdiction.slice(3);
  const storage = kind === 'storage';
  const leases: GeneratedLease[] = [
    { id: 'L-NEVER', rentCents: storage ? 15_000 : 150_000, paidOn: {} },
    { id: 'L-SMALL', rentCents: storage ? 6_500 : 65_000, paidOn: {} },
    {
      id: 'L-LATE',
      rentCents: storage ? 12_000 : 120_000,
      paidOn: { '2026-10-01': '2026-10-24' },
    },
  ];
  const dues = ['2026-10-01', '2026-11-01', '2026-12-01', '2027-01-01', '2027-02-01', '2027-03-01'];
  const ledger = leases.flatMap((l) =>
    dues.flatMap((due) => {
      const charge = {
        id: `${l.id}-R-${due}`,
        leaseId: l.id,
        date: due,
        type: 'charge',
        category: 'rent',
        amountCents: l.rentCents,
        dueDate: due,
      };
      const paid = l.paidOn[due] ?? (l.id === 'L-LATE' ? due : undefined);
      return paid
        ? [
            charge,
            {
              id: `${l.id}-P-${due}`,
              leaseId: l.id,
              date: paid,
              type: 'payment',
              // A late payment also covers any late fee (the surplus is a credit).
              amountCents: paid > due ? l.rentCents + 20_000 : l.rentCents,
            },
          ]
        : [charge];
    }),
  );
  const address = {
    line1: '100 Main St',
    city: 'Springfield',
    region: state,
    postalCode: '00000',
    country: 'US',
  };
  const portfolio = {
    currency: 'USD',
    properties: [
      {
        id: `P-${state}`,
        name: `${state} test property`,
        timezone: TIMEZONES[state] ?? 'America/New_York',
        jurisdiction,
        kind,
        address,
        legalName: `${state} Owner LLC`,
        payTo: { name: `${state} Owner LLC`, address, hours: 'Mon-Fri 9:00-17:00' },
        phone: '+12025550100',
        email: 'office@example.com',
        unitCount: storage ? 300 : 40,
      },
    ],
    tenants: leases.flatMap((l, i) => [
      {
        id: `T-${l.id}`,
        name: `Tenant ${i + 1}`,
        email: `tenant${i + 1}@example.com`,
        phone: `+1202555011${i}`,
        address: '1 Elm St, Springfield',
        consent: { sms: true, email: true, voice: true, eNotices: true },
      },
      {
        id: `A-${l.id}`,
        name: `Alternate ${i + 1}`,
        email: `alternate${i + 1}@example.com`,
        address: '2 Oak St, Springfield',
        role: 'alternate',
        consent: { email: true, eNotices: true },
      },
    ]),
    leases: leases.map((l) => ({
      id: l.id,
      propertyId: `P-${state}`,
      unit: l.id,
      spaceType: storage ? '10x10' : 'apartment',
      tenantIds: [`T-${l.id}`, `A-${l.id}`],
      rentCents: l.rentCents,
      terms: { lateFeeCents: storage ? 2_000 : 7_500 },
    })),
    ledger,
  };
  return { portfolio: parsePortfolio(JSON.stringify(portfolio), 'generated.json'), leases };
}

/** Unpaid rent due strictly before `date` (the generated ledger pays whole months only). */
function pastDueRent(lease: GeneratedLease, date: LocalDate): number {
  const dues = ['2026-10-01', '2026-11-01', '2026-12-01', '2027-01-01', '2027-02-01', '2027-03-01'];
  return (
    dues
      .filter((due) => due < date)
      .filter((due) => {
        const paid = lease.paidOn[due] ?? (lease.id === 'L-LATE' ? due : undefined);
        return paid === undefined || paid > date;
      }).length * lease.rentCents
  );
}

function methodsOf(a: PlannedAction): DeliveryMethod[] {
  return [...new Set((a.deliveries ?? []).map((d) => d.method as DeliveryMethod))];
}

function citationsOf(rules: readonly RuleMeta[]): string[] {
  return rules.map((r) => r.citation);
}

describe('shipped state workflows', () => {
  const storageStates = listPacks()
    .filter((p) => p.notices.some((n) => n.appliesTo.includes('storage')))
    .map((p) => p.id);
  const residentialStates = listPacks()
    .filter((p) => p.id !== 'US')
    .filter(
      (p) =>
        p.notices.some((n) => n.appliesTo.includes('residential')) ||
        p.lateFees.some((r) => r.appliesTo.includes('residential')),
    )
    .map((p) => p.id);

  it('ship a residential policy for every residential state and a lien workflow for every storage lien state', () => {
    const shipped = FILES.map((f) => load(f).appliesTo);
    for (const j of residentialStates)
      expect(shipped, j).toContainEqual({ jurisdiction: j, kind: 'residential' });
    for (const j of storageStates)
      expect(shipped, j).toContainEqual({ jurisdiction: j, kind: 'storage' });
    expect(residentialStates).toHaveLength(20);
    expect([...storageStates].sort()).toEqual(
      ['US-AZ', 'US-CA', 'US-FL', 'US-GA', 'US-IL', 'US-NC', 'US-NY', 'US-TX'].sort(),
    );
    expect(FILES).toHaveLength(residentialStates.length + storageStates.length);
  });

  describe.each(FILES)('%s', (file) => {
    const policy = load(file);
    const jurisdiction = policy.appliesTo.jurisdiction!;
    const kind = policy.appliesTo.kind!;

    it('is named after its state and kind, and validates now and from the simulation start', () => {
      expect(file).toBe(`${kind}-${jurisdiction.toLowerCase()}.yaml`);
      expect(policy.id).toBe(file.replace(/\.yaml$/, ''));
      expect(getPack(jurisdiction)).toBeDefined();
      expect(validatePolicy(policy, file)).toEqual([]);
      expect(validatePolicy(policy, file, { asOf: FROM })).toEqual([]);
    });

    it('simulated on a generated portfolio, its timeline respects the pack', () => {
      const { portfolio, leases } = generatePortfolio(jurisdiction, kind);
      const result = simulate(portfolio, [policy], FROM, TO);
      expect(result.extras.unmatched).toEqual([]);
      const due = result.actions.filter((a) => a.status === 'due');
      const episodes = new Map(result.episodes.map((e) => [`${e.leaseId}:${e.episode}`, e]));
      const byLease = new Map(leases.map((l) => [l.id, l]));
      let notices = 0;

      for (const a of due) {
        const episode = episodes.get(`${a.leaseId}:${a.episode}`)!;
        const sinceDue = daysBetween(episode.anchor, a.date);
        const lease = byLease.get(a.leaseId)!;

        if (a.type === 'fee' && a.feeKind === 'late') {
          const rule = lateFeeRuleFor(jurisdiction, kind, a.date);
          if (rule) {
            expect(sinceDue, `${a.key} before ${rule.citation}'s grace`).toBeGreaterThanOrEqual(
              rule.earliestDay,
            );
            const cap = feeCapCents(rule.cap, {
              monthlyRentCents: lease.rentCents,
              pastDueRentCents: pastDueRent(lease, a.date),
              unitCount: portfolio.properties[0]!.unitCount,
            });
            if (cap !== null)
              expect(a.amountCents!, `${a.key} above ${rule.citation}`).toBeLessThanOrEqual(cap);
          }
        }

        if (a.type !== 'document' || !a.template) continue;
        const rule = noticeRuleFor(jurisdiction, kind, a.template, a.date);
        if (!rule) continue;
        notices++;
        const methods = methodsOf(a);
        expect(methods.length, a.key).toBeGreaterThan(0);
        for (const m of methods) expect(rule.deliveryMethods, `${a.key} by ${m}`).toContain(m);
        if (rule.earliestDay !== undefined)
          expect(sinceDue, `${a.key} before ${rule.citation} allows it`).toBeGreaterThanOrEqual(
            rule.earliestDay,
          );
        checkPriorNotices(rule, a, due);
        checkFollowUps(rule, a, methods, due);
      }

      // The workflow really ran: the lease that never pays reaches the statutory steps.
      const never = due.filter((a) => a.leaseId === 'L-NEVER');
      const pack = getPack(jurisdiction)!;
      if (pack.notices.some((n) => n.appliesTo.includes(kind))) expect(notices).toBeGreaterThan(0);
      if (kind === 'storage') {
        expect(never.some((a) => a.type === 'auction' && a.saleDate !== undefined)).toBe(true);
      } else {
        expect(never.some((a) => a.type === 'escalate' && a.to === 'legal')).toBe(true);
      }
      // The lease that paid October late was charged no late fee after paying.
      for (const a of due.filter((x) => x.leaseId === 'L-LATE' && x.type === 'fee'))
        expect(a.date < '2026-10-24', a.key).toBe(true);
    });

    it('rejects a non-compliant fee, grace, notice period or delivery method, naming the citation', () => {
      const lateRules = (getPack(jurisdiction)?.lateFees ?? []).filter(
        (r) => r.appliesTo.includes(kind) && r.effectiveTo === undefined,
      );
      const feeAt = policy.stages.findIndex((s) =>
        s.actions.some((x) => x.type === 'fee' && x.kind === 'late'),
      );
      const errors = (p: Policy) => validatePolicy(p, file).map((i) => `${i.path}: ${i.message}`);
      const withStage = (i: number, change: (s: Policy['stages'][number]) => void): Policy => {
        const copy = structuredClone(policy);
        change(copy.stages[i]!);
        return copy;
      };
      let checked = 0;

      for (const rule of lateRules) {
        if (feeAt < 0) break;
        // A fee above the cap.
        const bound = capUpperBoundCents(rule.cap);
        const ceiling = capPercentCeiling(rule.cap, 'monthly_rent');
        const ceilingPastDue = capPercentCeiling(rule.cap, 'past_due_rent');
        let over: Policy | undefined;
        const setFee = (fee: Record<string, unknown>) =>
          withStage(feeAt, (s) => {
            const k = s.actions.findIndex((x) => x.type === 'fee' && x.kind === 'late');
            s.actions[k] = {
              id: 'fee',
              type: 'fee',
              kind: 'late',
              recurring: 'once',
              ...fee,
            } as never;
          });
        if (Number.isFinite(bound)) over = setFee({ amountCents: bound + 100 });
        else if (ceiling !== undefined) over = setFee({ percent: ceiling + 1, of: 'monthly_rent' });
        else if (ceilingPastDue !== undefined)
          over = setFee({ percent: ceilingPastDue + 1, of: 'past_due_rent' });
        if (over) {
          const found = errors(over);
          expect(
            found.some((e) => e.includes(rule.citation) && /above/.test(e)),
            found.join('\n'),
          ).toBe(true);
          checked++;
        }
        // A fee before the grace.
        if (rule.earliestDay > 1) {
          const early = structuredClone(policy);
          const stage = early.stages[feeAt]!;
          stage.anchor = 'delinquency_start';
          stage.minGapDays = 0;
          stage.day = rule.earliestDay - 1;
          early.stages = [stage, ...early.stages.filter((_, i) => i !== feeAt)];
          const found = errors(early);
          expect(
            found.some(
              (e) =>
                e.includes(rule.citation) && e.includes(`no earlier than day ${rule.earliestDay}`),
            ),
            found.join('\n'),
          ).toBe(true);
          checked++;
        }
      }

      // A shortened notice period, and a method the state does not accept.
      policy.stages.forEach((stage, i) => {
        for (const action of stage.actions) {
          if (action.type !== 'document') continue;
          const rules = (getPack(jurisdiction)?.notices ?? []).filter(
            (r) =>
              r.appliesTo.includes(kind) &&
              r.templates.includes(action.template) &&
              r.effectiveTo === undefined,
          );
          for (const rule of rules) {
            const later = policy.stages
              .slice(i)
              .some((s) =>
                followUpsOf(rule, action.template).some((f) =>
                  s.actions.some((x) => isFollowUp(x, f)),
                ),
              );
            if (later) {
              const short = structuredClone(policy);
              short.stages.forEach((s, j) => {
                if (j <= i) return;
                s.minGapDays = 0;
                if (s.anchor === 'previous_stage') s.day = 0;
                for (const x of s.actions) if (x.type === 'auction') x.inDays = 1;
              });
              for (const x of short.stages[i]!.actions) if (x.type === 'auction') x.inDays = 1;
              const found = errors(short);
              expect(
                found.some((e) => e.includes(rule.citation) && e.includes('gives the tenant')),
                `${rule.id}\n${found.join('\n')}`,
              ).toBe(true);
              checked++;
            }
            const refused = (
              ['portal', 'sms_link', 'first_class', 'email'] as DeliveryMethod[]
            ).find((m) => !rule.deliveryMethods.includes(m));
            if (refused) {
              const bad = withStage(i, (s) => {
                const doc = s.actions.find((x) => x === s.actions[stage.actions.indexOf(action)]);
                if (doc?.type === 'document') doc.delivery = [...doc.delivery, refused];
              });
              const found = errors(bad);
              expect(
                found.some(
                  (e) => e.includes(rule.citation) && e.includes(`does not accept \`${refused}\``),
                ),
                found.join('\n'),
              ).toBe(true);
              checked++;
            }
          }
        }
      });

      // Autopilot: refused exactly where a stage relies on a rule that is not fully verified.
      const autopilot = structuredClone(policy);
      autopilot.mode = 'autopilot';
      for (const s of autopilot.stages) s.approval = 'auto';
      const found = validatePolicy(autopilot, file);
      for (const issue of found) {
        expect(issue.path).toMatch(/\.approval$/);
        expect(issue.message).toContain('have counsel confirm');
      }
      const packRules = [
        ...(getPack(jurisdiction)?.lateFees ?? []),
        ...(getPack(jurisdiction)?.notices ?? []),
        ...(getPack(jurisdiction)?.sales ?? []),
      ].filter((r) => (r as { appliesTo: string[] }).appliesTo.includes(kind));
      const unverified = packRules.filter(
        (r) => r.status === 'unverified' || (r.unverifiedParts?.length ?? 0) > 0,
      );
      if (found.length > 0)
        expect(found.some((i) => citationsOf(unverified).some((c) => i.message.includes(c)))).toBe(
          true,
        );
      else expect(unverified.filter((r) => policyUses(policy, r))).toEqual([]);

      // Every state with a numeric rule has at least one rejection checked.
      const hasNumbers =
        lateRules.some((r) => r.cap !== null || r.earliestDay > 1) ||
        (getPack(jurisdiction)?.notices ?? []).some((r) => r.appliesTo.includes(kind));
      if (hasNumbers) expect(checked).toBeGreaterThan(0);
    });
  });
});

/** Whether the policy has an action a pack rule governs (a late fee, its notice, a sale). */
function policyUses(policy: Policy, rule: RuleMeta): boolean {
  const actions = policy.stages.flatMap((s) => s.actions);
  if ('earliestDay' in rule && 'cap' in rule)
    return actions.some((a) => a.type === 'fee' && a.kind === 'late');
  if ('templates' in rule)
    return actions.some(
      (a) => a.type === 'document' && (rule as NoticeRule).templates.includes(a.template),
    );
  return actions.some((a) => a.type === 'auction');
}

/** The notices the rule requires first were sent earlier in the episode, by the right method. */
function checkPriorNotices(rule: NoticeRule, notice: PlannedAction, due: PlannedAction[]): void {
  for (const prior of rule.precededBy ?? []) {
    const sent = due.filter(
      (a) =>
        a.leaseId === notice.leaseId &&
        a.episode === notice.episode &&
        a.type === 'document' &&
        a.template === prior.template &&
        a.date <= notice.date,
    );
    expect(sent.length, `${notice.key} needs the ${prior.title} first`).toBeGreaterThan(0);
    const last = sent[sent.length - 1]!;
    if (prior.sentBy)
      expect(
        methodsOf(last).some((m) => prior.sentBy!.includes(m)),
        last.key,
      ).toBe(true);
    if (prior.minDaysBefore !== undefined)
      expect(daysBetween(last.date, notice.date), notice.key).toBeGreaterThanOrEqual(
        prior.minDaysBefore,
      );
  }
}

/**
 * The steps the notice precedes wait for its deadline, computed with the real holiday
 * calendar for every method it went by: a sale on or after it, anything else after it.
 */
function checkFollowUps(
  rule: NoticeRule,
  notice: PlannedAction,
  methods: DeliveryMethod[],
  due: PlannedAction[],
): void {
  const deadline = methods
    .map((m) => noticeDeadline(rule, notice.date, m))
    .reduce((a, b) => (a > b ? a : b));
  for (const f of followUpsOf(rule, notice.template!)) {
    for (const a of due) {
      if (a === notice || a.leaseId !== notice.leaseId || a.episode !== notice.episode) continue;
      if (a.date < notice.date || !isFollowUp(a, f)) continue;
      if (f === 'sale') {
        expect(a.saleDate, a.key).toBeDefined();
        expect(
          a.saleDate! >= deadline,
          `${a.key}: sale ${a.saleDate} before ${rule.id} deadline ${deadline}`,
        ).toBe(true);
      } else {
        expect(a.date > deadline, `${a.key} on ${a.date}, ${rule.id} deadline ${deadline}`).toBe(
          true,
        );
      }
    }
  }
  expect(deadline >= addDays(notice.date, 1)).toBe(true);
}
