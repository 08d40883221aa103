import { describe, expect, it } from 'vitest';
import { isKnownCalendar } from '../calendar/holidays.js';
import { isLocalDate } from '../dates.js';
import { DELIVERY_METHODS, PROPERTY_KINDS } from '../portfolio/schema.js';
import { noticeDeadline } from './deadlines.js';
import { capPercentCeiling, capUpperBoundCents, feeCapCents } from './fee-caps.js';
import {
  getPack,
  isRuleInForce,
  lateFeeRuleFor,
  lateFeeRulesFor,
  listPacks,
  noticeRuleFor,
  noticeRulesFor,
  ruleInForce,
} from './index.js';
import type { FeeCap, LateFeeRule, NoticeRule, RuleMeta } from './types.js';
import { FEDERAL_OVERLAY, federalOverlayRules, scraRentCeiling } from './us-federal.js';

const TEMPLATE_IDS = [
  'past-due-notice',
  'pay-or-quit-notice',
  'pre-lien-notice',
  'lien-notice',
  'auction-notice',
  'collections-handoff',
];

function ctx(monthlyRentCents: number, unitCount?: number, pastDueRentCents = monthlyRentCents) {
  return { monthlyRentCents, pastDueRentCents, unitCount };
}

function mustLateFee(j: string, kind: 'residential' | 'commercial' | 'storage', on: string) {
  const rule = lateFeeRuleFor(j, kind, on);
  if (!rule) throw new Error(`no late-fee rule for ${j} ${kind} on ${on}`);
  return rule;
}

function mustNotice(
  j: string,
  kind: 'residential' | 'commercial' | 'storage',
  t: string,
  on: string,
) {
  const rule = noticeRuleFor(j, kind, t, on);
  if (!rule) throw new Error(`no notice rule for ${j} ${kind} ${t} on ${on}`);
  return rule;
}

describe('CA self-storage late-fee cap (Bus. & Prof. Code §21713.5)', () => {
  const rule = mustLateFee('US-CA', 'storage', '2026-06-01');
  const cases: [number, number][] = [
    [5_000, 1_000], // $50 → $10
    [6_000, 1_000], // $60 → $10
    [8_000, 1_500], // $80 → $15
    [9_999, 1_500], // $99.99 → $15
    [10_000, 2_000], // $100 → max($20, $15) = $20
    [13_333, 2_000], // $133.33 → max($20, $19.99995 → $20.00) = $20
    [13_337, 2_001], // $133.37 → 15% = $20.0055 → $20.01
    [20_000, 3_000], // $200 → max($20, $30) = $30
  ];
  it.each(cases)('monthly rent %i¢ → cap %i¢', (rent, cap) => {
    expect(feeCapCents(rule.cap, ctx(rent))).toBe(cap);
  });

  it('not before day 10, once per late payment, verified', () => {
    expect(rule.earliestDay).toBe(10);
    expect(rule.oncePerLatePayment).toBe(true);
    expect(rule.status).toBe('verified');
    expect(rule.citation).toContain('21713.5');
  });
});

describe('TX residential late-fee cap (Prop. Code §92.019)', () => {
  const rule = mustLateFee('US-TX', 'residential', '2026-06-01');
  it('12% of monthly rent up to 4 units, 10% above', () => {
    expect(feeCapCents(rule.cap, ctx(150_000, 1))).toBe(18_000);
    expect(feeCapCents(rule.cap, ctx(150_000, 4))).toBe(18_000);
    expect(feeCapCents(rule.cap, ctx(150_000, 5))).toBe(15_000);
    expect(feeCapCents(rule.cap, ctx(150_000, 240))).toBe(15_000);
    expect(feeCapCents(rule.cap, ctx(12_345, 2))).toBe(1_481); // 1481.4 → 1481
    expect(feeCapCents(rule.cap, ctx(12_371, 2))).toBe(1_485); // 1484.52 → 1485
    expect(feeCapCents(rule.cap, ctx(12_345, 5))).toBe(1_235); // 1234.5 → 1235 (half-up)
  });
  it('without a unit count the most conservative tier (10%) applies', () => {
    expect(feeCapCents(rule.cap, ctx(150_000))).toBe(15_000);
  });
  it('two full days of grace: earliest on the third day after the due date', () => {
    expect(rule.earliestDay).toBe(3);
    expect(rule.status).toBe('verified');
  });
  it('bounds for validation', () => {
    expect(capUpperBoundCents(rule.cap)).toBe(Infinity);
    expect(capPercentCeiling(rule.cap, 'monthly_rent')).toBe(12);
    expect(capPercentCeiling(rule.cap, 'past_due_rent')).toBeUndefined();
  });
});

describe('fee-cap evaluation', () => {
  const lesser: FeeCap = {
    type: 'lesser_of',
    of: [
      { type: 'flat', cents: 5_000 },
      { type: 'percent', percent: 5, of: 'monthly_rent' },
    ],
  };
  const greater: FeeCap = {
    type: 'greater_of',
    of: [
      { type: 'flat', cents: 5_000 },
      { type: 'percent', percent: 5, of: 'past_due_rent' },
    ],
  };

  it('null means no cap', () => {
    expect(feeCapCents(null, ctx(100_000))).toBeNull();
    expect(capUpperBoundCents(null)).toBe(Infinity);
    expect(capPercentCeiling(null, 'monthly_rent')).toBeUndefined();
  });

  it('lesser_of and greater_of', () => {
    expect(feeCapCents(lesser, ctx(150_000))).toBe(5_000);
    expect(feeCapCents(lesser, ctx(80_000))).toBe(4_000);
    expect(feeCapCents(greater, ctx(80_000, undefined, 200_000))).toBe(10_000);
    expect(feeCapCents(greater, ctx(80_000, undefined, 10_000))).toBe(5_000);
    expect(capUpperBoundCents(lesser)).toBe(5_000);
    expect(capUpperBoundCents(greater)).toBe(Infinity);
    expect(capPercentCeiling(lesser, 'monthly_rent')).toBe(5);
    expect(capPercentCeiling(lesser, 'past_due_rent')).toBeUndefined();
    expect(capPercentCeiling(greater, 'past_due_rent')).toBeUndefined();
  });

  it('percent rounds half-up', () => {
    const cap: FeeCap = { type: 'percent', percent: 5, of: 'past_due_rent' };
    expect(feeCapCents(cap, ctx(0, undefined, 1_010))).toBe(51); // 50.5 → 51
    expect(feeCapCents(cap, ctx(0, undefined, 1_009))).toBe(50); // 50.45 → 50
    expect(capPercentCeiling(cap, 'past_due_rent')).toBe(5);
    expect(capPercentCeiling(cap, 'monthly_rent')).toBeUndefined();
  });

  it('a flat cap and rent-bounded tiers have a finite upper bound', () => {
    expect(capUpperBoundCents({ type: 'flat', cents: 2_500 })).toBe(2_500);
    const tiers: FeeCap = {
      type: 'tiers',
      by: 'monthly_rent',
      tiers: [
        { below: 10_000, cap: { type: 'percent', percent: 10, of: 'monthly_rent' } },
        { cap: { type: 'flat', cents: 1_200 } },
      ],
    };
    expect(capUpperBoundCents(tiers)).toBe(1_200); // 10% of $99.99 = $10.00 < $12
    expect(feeCapCents(tiers, ctx(9_999))).toBe(1_000);
    expect(feeCapCents(tiers, ctx(50_000))).toBe(1_200);
    expect(capPercentCeiling(tiers, 'monthly_rent')).toBeUndefined();
  });

  it('CA storage cap is unbounded over all leases and not a pure percent', () => {
    const rule = mustLateFee('US-CA', 'storage', '2026-06-01');
    expect(capUpperBoundCents(rule.cap)).toBe(Infinity);
    expect(capPercentCeiling(rule.cap, 'monthly_rent')).toBeUndefined();
  });

  it('a tier with a null cap is uncapped; a missing unit count picks the lowest tier', () => {
    const cap: FeeCap = {
      type: 'tiers',
      by: 'unit_count',
      tiers: [{ atMost: 4, cap: null }, { cap: { type: 'flat', cents: 700 } }],
    };
    expect(feeCapCents(cap, ctx(100_000, 2))).toBeNull();
    expect(feeCapCents(cap, ctx(100_000, 10))).toBe(700);
    expect(feeCapCents(cap, ctx(100_000))).toBe(700);
    expect(capUpperBoundCents(cap)).toBe(Infinity);
  });
});

describe('notice deadlines', () => {
  const ca = mustNotice('US-CA', 'residential', 'pay-or-quit-notice', '2026-11-20');

  it('CA 3-day notice counts court days, not the day of service', () => {
    expect(ca.counting).toBe('court_days');
    expect(ca.holidays).toBe('US-CA');
    expect(ca.serviceDayCounts).toBe(false);
    // Fri 20 Nov 2026: Mon 23, Tue 24, Wed 25.
    expect(noticeDeadline(ca, '2026-11-20', 'certified_mail')).toBe('2026-11-25');
    // Wed 25 Nov: Thu 26 Thanksgiving, Fri 27 CA holiday, weekend; Mon 30, Tue 1, Wed 2 Dec.
    expect(noticeDeadline(ca, '2026-11-25', 'first_class')).toBe('2026-12-02');
    // Served on a Saturday: Mon, Tue, Wed.
    expect(noticeDeadline(ca, '2026-11-21', 'first_class')).toBe('2026-11-25');
    // César Chávez Day (Tue 31 Mar 2026) is skipped: Fri 27 Mar → Mon 30, Wed 1, Thu 2 Apr.
    expect(noticeDeadline(ca, '2026-03-27', 'first_class')).toBe('2026-04-02');
  });

  it('CA 3-day notice from 2019-09-01 only; personal service is a task', () => {
    expect(
      noticeRuleFor('US-CA', 'residential', 'pay-or-quit-notice', '2019-08-31'),
    ).toBeUndefined();
    expect(ca.deliveryMethods).toContain('certified_mail');
    expect(ca.deliveryMethods).toContain('first_class');
    expect(ca.deliveryMethods).not.toContain('email');
    expect(ca.note).toMatch(/task/);
    expect(() => noticeDeadline(ca, '2026-11-20', 'email')).toThrow(/email/);
  });

  it('the day of service counts when the rule says so, and mailing extensions apply', () => {
    const rule: NoticeRule = {
      ...ca,
      id: 'test/notice',
      serviceDayCounts: true,
      mailingExtensionDays: { first_class: 5 },
    };
    // Fri 20 counts as day 1: Fri 20, Mon 23, Tue 24.
    expect(noticeDeadline(rule, '2026-11-20', 'certified_mail')).toBe('2026-11-24');
    // Served Sat 21: not a court day, so Mon 23, Tue 24, Wed 25.
    expect(noticeDeadline(rule, '2026-11-21', 'certified_mail')).toBe('2026-11-25');
    // Mailed: Tue 24 + 5 calendar days = Sun 29 → next court day Mon 30.
    expect(noticeDeadline(rule, '2026-11-20', 'first_class')).toBe('2026-11-30');
    const cal: NoticeRule = { ...rule, counting: 'calendar' };
    expect(noticeDeadline(cal, '2026-11-20', 'certified_mail')).toBe('2026-11-22');
    expect(noticeDeadline(cal, '2026-11-20', 'first_class')).toBe('2026-11-27');
  });

  it('TX notice to vacate counts calendar days', () => {
    const tx = mustNotice('US-TX', 'residential', 'pay-or-quit-notice', '2025-11-20');
    expect(noticeDeadline(tx, '2025-11-20', 'first_class')).toBe('2025-11-23');
    expect(noticeDeadline(tx, '2025-11-26', 'certified_mail')).toBe('2025-11-29');
  });

  it('CA storage: preliminary lien notice and notice of lien sale give 14 days from mailing', () => {
    const pre = mustNotice('US-CA', 'storage', 'pre-lien-notice', '2026-03-02');
    expect(pre.earliestDay).toBe(14);
    expect(pre.consentRequiredFor).toEqual(['email']);
    expect(pre.deliveryMethods).toEqual(
      expect.arrayContaining([
        'certified_mail',
        'certified_mail_e_return_receipt',
        'first_class_certificate_of_mailing',
        'email',
      ]),
    );
    expect(pre.deliveryMethods).not.toContain('first_class');
    expect(noticeDeadline(pre, '2026-03-02', 'certified_mail')).toBe('2026-03-16');
    const lien = mustNotice('US-CA', 'storage', 'lien-notice', '2026-04-01');
    expect(lien.deliveryMethods).not.toContain('first_class');
    expect(lien.deliveryMethods).not.toContain('email');
    expect(noticeDeadline(lien, '2026-04-01', 'certified_mail')).toBe('2026-04-15');
    expect(
      mustNotice('US-CA', 'storage', 'auction-notice', '2026-04-01').wording?.advertising,
    ).toMatch(/two consecutive weeks/);
  });

  it('TX storage lien notice: e-mail or verified (certified) mail, cure by the 14th day', () => {
    const tx = mustNotice('US-TX', 'storage', 'lien-notice', '2026-04-01');
    expect(tx.status).toBe('secondary');
    expect([...tx.deliveryMethods].sort()).toEqual(
      ['certified_mail', 'certified_mail_e_return_receipt', 'email'].sort(),
    );
    expect(noticeDeadline(tx, '2026-04-01', 'email')).toBe('2026-04-15');
    expect(mustNotice('US-TX', 'storage', 'auction-notice', '2026-04-01').status).toBe(
      'unverified',
    );
  });
});

describe('effective dates', () => {
  it('TX notice to vacate: secondary through 2025, unverified (SB 38) from 2026-01-01', () => {
    const before = mustNotice('US-TX', 'residential', 'pay-or-quit-notice', '2025-12-31');
    const after = mustNotice('US-TX', 'residential', 'pay-or-quit-notice', '2026-01-01');
    expect(before.status).toBe('secondary');
    expect(after.status).toBe('unverified');
    expect(after.id).not.toBe(before.id);
    expect(mustNotice('US-TX', 'commercial', 'pay-or-quit-notice', '2026-06-01').id).toBe(after.id);
    expect(noticeRulesFor('US-TX', 'residential', 'pay-or-quit-notice')).toHaveLength(2);
  });

  it('lateFeeRuleFor respects kind and effective dates', () => {
    expect(lateFeeRuleFor('US-TX', 'residential', '2026-01-15')?.id).toBe(
      'US-TX/residential/late-fee',
    );
    expect(lateFeeRuleFor('US-TX', 'commercial', '2026-01-15')).toBeUndefined();
    expect(lateFeeRuleFor('US-TX', 'storage', '2026-01-15')).toBeUndefined();
    expect(lateFeeRuleFor('US-CA', 'residential', '2026-01-15')?.cap).toBeNull();
    expect(lateFeeRuleFor('US-CA', 'storage', '1969-12-31')).toBeUndefined();
    expect(lateFeeRuleFor('US-NY', 'commercial', '2026-01-15')).toBeUndefined();
    expect(lateFeeRuleFor('US-NY', 'residential', '2026-01-15')?.id).toBe(
      'US-NY/residential/late-fee',
    );
    expect(lateFeeRuleFor('us-ca', 'storage', '2026-01-15')?.id).toBe('US-CA/storage/late-fee');
    expect(lateFeeRulesFor('US-CA', 'storage')).toHaveLength(1);
  });

  it('picks the version in force, inclusive at both ends', () => {
    const base = mustLateFee('US-TX', 'residential', '2026-01-15');
    const v1: LateFeeRule = {
      ...base,
      id: 'v1',
      effectiveFrom: '2020-01-01',
      effectiveTo: '2025-09-30',
    };
    const v2: LateFeeRule = { ...base, id: 'v2', effectiveFrom: '2025-10-01', earliestDay: 5 };
    const rules = [v2, v1];
    const all = () => true;
    expect(ruleInForce(rules, '2019-12-31', all)).toBeUndefined();
    expect(ruleInForce(rules, '2020-01-01', all)?.id).toBe('v1');
    expect(ruleInForce(rules, '2025-09-30', all)?.id).toBe('v1');
    expect(ruleInForce(rules, '2025-10-01', all)?.id).toBe('v2');
    expect(ruleInForce(rules, '2040-01-01', all)?.id).toBe('v2');
    expect(isRuleInForce(v1, '2025-10-01')).toBe(false);
  });
});

describe('pack integrity', () => {
  const packs = listPacks();
  const everyRule: [string, RuleMeta][] = [
    ...packs.flatMap((p) =>
      [...p.lateFees, ...p.notices].map((r): [string, RuleMeta] => [r.id, r]),
    ),
    ...federalOverlayRules().map((r): [string, RuleMeta] => [r.id, r]),
  ];

  it('has the federal overlay first, then California, Texas and the other states', () => {
    expect(packs[0]?.id).toBe('US');
    expect(packs.map((p) => p.id)).toEqual(expect.arrayContaining(['US-CA', 'US-TX', 'US-FL']));
    expect(getPack('US-CA')?.name).toBe('California');
    expect(getPack('US-ZZ')).toBeUndefined();
    for (const p of packs) expect(isKnownCalendar(p.holidays), p.id).toBe(true);
  });

  it.each(everyRule)('%s has a citation, sources, a status and effective dates', (_id, rule) => {
    expect(rule.citation.trim().length).toBeGreaterThan(0);
    // Only an unverified "no statute located" rule may have no source to cite.
    if (rule.status !== 'unverified') expect(rule.sources.length).toBeGreaterThanOrEqual(1);
    for (const url of rule.sources) expect(url).toMatch(/^https?:\/\/\S+$/);
    expect(['verified', 'secondary', 'unverified']).toContain(rule.status);
    expect(isLocalDate(rule.effectiveFrom)).toBe(true);
    if (rule.effectiveTo !== undefined) {
      expect(isLocalDate(rule.effectiveTo)).toBe(true);
      expect(rule.effectiveTo >= rule.effectiveFrom).toBe(true);
    }
  });

  it('rule ids are unique', () => {
    const ids = everyRule.map(([id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('notice rules use known kinds, templates, methods and calendars', () => {
    for (const p of packs) {
      for (const r of p.notices) {
        expect(r.appliesTo.length, r.id).toBeGreaterThan(0);
        for (const k of r.appliesTo) expect(PROPERTY_KINDS).toContain(k);
        for (const t of r.templates) expect(TEMPLATE_IDS).toContain(t);
        expect(r.deliveryMethods.length, r.id).toBeGreaterThan(0);
        for (const m of r.deliveryMethods) expect(DELIVERY_METHODS).toContain(m);
        for (const m of r.consentRequiredFor ?? []) expect(r.deliveryMethods).toContain(m);
        expect(isKnownCalendar(r.holidays), r.id).toBe(true);
        expect(Number.isInteger(r.periodDays) && r.periodDays > 0, r.id).toBe(true);
      }
    }
  });

  it('no two versions of a rule overlap in time for the same kind and template / fee', () => {
    const overlaps = (a: RuleMeta, b: RuleMeta) =>
      a.effectiveFrom <= (b.effectiveTo ?? '9999-12-31') &&
      b.effectiveFrom <= (a.effectiveTo ?? '9999-12-31');
    for (const p of packs) {
      for (const kind of PROPERTY_KINDS) {
        const fees = p.lateFees.filter((r) => r.appliesTo.includes(kind));
        for (let i = 0; i < fees.length; i++)
          for (let j = i + 1; j < fees.length; j++)
            expect(overlaps(fees[i]!, fees[j]!), `${fees[i]!.id} / ${fees[j]!.id}`).toBe(false);
        for (const t of TEMPLATE_IDS) {
          const ns = p.notices.filter((r) => r.appliesTo.includes(kind) && r.templates.includes(t));
          for (let i = 0; i < ns.length; i++)
            for (let j = i + 1; j < ns.length; j++)
              expect(overlaps(ns[i]!, ns[j]!), `${ns[i]!.id} / ${ns[j]!.id}`).toBe(false);
        }
      }
    }
  });

  it('every tiered cap has a catch-all tier', () => {
    const check = (cap: FeeCap | null): void => {
      if (cap === null) return;
      if (cap.type === 'tiers') {
        const last = cap.tiers[cap.tiers.length - 1];
        expect(last?.below).toBeUndefined();
        expect(last?.atMost).toBeUndefined();
        for (const t of cap.tiers) check(t.cap);
      } else if (cap.type === 'greater_of' || cap.type === 'lesser_of') {
        cap.of.forEach(check);
      }
    };
    for (const p of packs) for (const r of p.lateFees) check(r.cap);
  });

  it('packs are frozen', () => {
    const rule = mustLateFee('US-CA', 'storage', '2026-01-01');
    expect(Object.isFrozen(rule)).toBe(true);
    expect(() => {
      (rule as { earliestDay: number }).earliestDay = 0;
    }).toThrow();
  });
});

describe('federal overlay', () => {
  it('Reg F contact hours and call frequency as data', () => {
    expect(FEDERAL_OVERLAY.contactHours.start).toBe('08:00');
    expect(FEDERAL_OVERLAY.contactHours.end).toBe('21:00');
    expect(FEDERAL_OVERLAY.contactHours.citation).toContain('1006.6');
    expect(FEDERAL_OVERLAY.callFrequency).toMatchObject({ channel: 'voice', max: 7, perDays: 7 });
    expect(FEDERAL_OVERLAY.callFrequency.citation).toContain('1006.14');
  });

  it('SCRA and bankruptcy', () => {
    expect(FEDERAL_OVERLAY.scraEviction.holdType).toBe('military');
    expect(scraRentCeiling(2023)).toMatchObject({ cents: 910_646, status: 'verified' });
    expect(scraRentCeiling(2025)?.status).toBe('unverified');
    expect(scraRentCeiling(2026)).toBeUndefined();
    expect(FEDERAL_OVERLAY.scraStorageLien.daysAfterService).toBe(90);
    expect(FEDERAL_OVERLAY.bankruptcyStay.holdType).toBe('bankruptcy');
    expect(FEDERAL_OVERLAY.hudNonpaymentNotice.effectiveFrom).toBe('2025-01-13');
  });
});
