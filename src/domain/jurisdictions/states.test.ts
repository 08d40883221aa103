/**
 * The state packs built from /reference/jurisdictions.md: each figure checked against the
 * reference, the integrity of every new rule, and the validation rules they drive (notice
 * periods, companions, prior notices, daily fees, autopilot on partly unverified law).
 */
import { describe, expect, it } from 'vitest';
import { isKnownCalendar } from '../calendar/holidays.js';
import { isLocalDate } from '../dates.js';
import { policy as policySchema, type Policy, type PolicyInput } from '../policy/schema.js';
import { validatePolicy } from '../policy/validate.js';
import { DELIVERY_METHODS } from '../portfolio/schema.js';
import { followUpsOf, longestNoticeSpanDays, noticeDeadline } from './deadlines.js';
import { capPercentCeiling, capUpperBoundCents, feeCapCents } from './fee-caps.js';
import {
  getPack,
  hasUnverifiedPart,
  lateFeeRuleFor,
  listPacks,
  noticeRuleFor,
  packRules,
  saleRuleFor,
} from './index.js';
import type { NoticeRule } from './types.js';
import { FEDERAL_OVERLAY, federalOverlayRules } from './us-federal.js';

type Kind = 'residential' | 'commercial' | 'storage';

function fee(j: string, kind: Kind, on = '2026-06-01') {
  const rule = lateFeeRuleFor(j, kind, on);
  if (!rule) throw new Error(`no late-fee rule for ${j} ${kind}`);
  return rule;
}

function notice(j: string, kind: Kind, template: string, on = '2026-06-01'): NoticeRule {
  const rule = noticeRuleFor(j, kind, template, on);
  if (!rule) throw new Error(`no ${template} rule for ${j} ${kind}`);
  return rule;
}

const ctx = (monthlyRentCents: number, pastDueRentCents = monthlyRentCents) => ({
  monthlyRentCents,
  pastDueRentCents,
});

const STATES = [
  'AZ', 'CA', 'CO', 'FL', 'GA', 'IL', 'MA', 'MD', 'MI', 'NC',
  'NJ', 'NV', 'NY', 'OH', 'OR', 'PA', 'TN', 'TX', 'VA', 'WA',
]; // prettier-ignore

describe('the packs', () => {
  it('cover every state of the reference, federal overlay first', () => {
    expect(listPacks().map((p) => p.id)).toEqual(['US', ...STATES.map((s) => `US-${s}`)]);
    for (const p of listPacks()) expect(isKnownCalendar(p.holidays), p.id).toBe(true);
  });

  const NEW = listPacks().filter((p) => !['US', 'US-CA', 'US-TX'].includes(p.id));
  const rules = NEW.flatMap((p) => packRules(p).map((r) => [r.id, r] as const));

  it.each(rules)('%s: citation, status, sources, dates and parts', (id, rule) => {
    expect(id.startsWith(`${id.split('/')[0]}/`)).toBe(true);
    expect(rule.citation.trim()).not.toBe('');
    expect(['verified', 'secondary', 'unverified']).toContain(rule.status);
    // Only a rule the reference could not source ("no statute located") has no URL.
    if (rule.sources.length === 0) {
      expect(rule.status).toBe('unverified');
      expect(rule.citation).toMatch(/No (statewide )?statute located/);
    }
    for (const url of rule.sources) expect(url).toMatch(/^https?:\/\/\S+$/);
    for (const part of rule.unverifiedParts ?? []) expect(part.trim()).not.toBe('');
    expect(isLocalDate(rule.effectiveFrom)).toBe(true);
    if (rule.effectiveTo) expect(rule.effectiveTo >= rule.effectiveFrom).toBe(true);
    expect(rule.note?.length ?? 0).toBeGreaterThan(0);
  });

  it('notice rules name known methods, calendars and prior notices', () => {
    for (const p of NEW)
      for (const r of p.notices) {
        for (const m of r.deliveryMethods) expect(DELIVERY_METHODS).toContain(m);
        for (const m of r.consentRequiredFor ?? []) expect(r.deliveryMethods).toContain(m);
        for (const [m, with_] of Object.entries(r.onlyWith ?? {})) {
          expect(r.deliveryMethods).toContain(m);
          for (const w of with_) expect(r.deliveryMethods).toContain(w);
        }
        expect(isKnownCalendar(r.holidays), r.id).toBe(true);
        for (const prior of r.precededBy ?? []) expect(prior.citation).not.toBe('');
      }
  });

  it('rule ids are unique across every pack and the overlay', () => {
    const ids = [
      ...listPacks().flatMap((p) => packRules(p).map((r) => r.id)),
      ...federalOverlayRules().map((r) => r.id),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('late fees, as the reference gives them', () => {
  it('NY: more than 5 days late, lesser of $50 or 5% (RPL §238-a(2), verified)', () => {
    const r = fee('US-NY', 'residential');
    expect(r).toMatchObject({ earliestDay: 6, status: 'verified' });
    expect(feeCapCents(r.cap, ctx(200_000))).toBe(5_000);
    expect(feeCapCents(r.cap, ctx(80_000))).toBe(4_000);
    expect(capUpperBoundCents(r.cap)).toBe(5_000);
    expect(capPercentCeiling(r.cap, 'monthly_rent')).toBe(5);
  });

  it('NC: residential greater of $15 or 5% from day 5; storage greater of $15 or 15%', () => {
    const r = fee('US-NC', 'residential');
    expect(r).toMatchObject({ earliestDay: 5, oncePerLatePayment: true, status: 'verified' });
    expect(feeCapCents(r.cap, ctx(20_000))).toBe(1_500);
    expect(feeCapCents(r.cap, ctx(100_000))).toBe(5_000);
    const s = fee('US-NC', 'storage');
    expect(s).toMatchObject({ earliestDay: 5, status: 'secondary' });
    expect(feeCapCents(s.cap, ctx(8_000))).toBe(1_500);
    expect(feeCapCents(s.cap, ctx(20_000))).toBe(3_000);
  });

  it('CO 7 days, greater of $50 or 5% of past-due rent; TN 10% of rent past due', () => {
    const co = fee('US-CO', 'residential');
    expect(co.earliestDay).toBe(7);
    expect(feeCapCents(co.cap, ctx(150_000, 300_000))).toBe(15_000);
    expect(feeCapCents(co.cap, ctx(150_000, 60_000))).toBe(5_000);
    const tn = fee('US-TN', 'residential');
    expect(tn.earliestDay).toBe(6);
    expect(feeCapCents(tn.cap, ctx(100_000, 100_000))).toBe(10_000);
    expect(capPercentCeiling(tn.cap, 'past_due_rent')).toBe(10);
  });

  it('NV 3 days and 5%; NV storage greater of $20 or 20%; VA lesser of two 10%s', () => {
    expect(fee('US-NV', 'residential').earliestDay).toBe(3);
    expect(feeCapCents(fee('US-NV', 'residential').cap, ctx(100_000))).toBe(5_000);
    expect(feeCapCents(fee('US-NV', 'storage').cap, ctx(5_000))).toBe(2_000);
    expect(feeCapCents(fee('US-NV', 'storage').cap, ctx(20_000))).toBe(4_000);
    const va = fee('US-VA', 'residential');
    expect(feeCapCents(va.cap, ctx(100_000, 30_000))).toBe(3_000);
    expect(capPercentCeiling(va.cap, 'monthly_rent')).toBe(10);
  });

  it('MD: 5% of the rent due until HB 273, then also of the unpaid rent (from 2025-10-01)', () => {
    const before = fee('US-MD', 'residential', '2025-09-30');
    const after = fee('US-MD', 'residential', '2025-10-01');
    expect(before.id).not.toBe(after.id);
    expect(feeCapCents(before.cap, ctx(100_000, 20_000))).toBe(5_000);
    expect(feeCapCents(after.cap, ctx(100_000, 20_000))).toBe(1_000);
  });

  it('MA 30 days; OR day 4; WA day 6 with the HB 1217 cap unverified', () => {
    expect(fee('US-MA', 'residential').earliestDay).toBe(30);
    expect(fee('US-OR', 'residential').earliestDay).toBe(4);
    const wa = fee('US-WA', 'residential');
    expect(wa).toMatchObject({ earliestDay: 6, cap: null, status: 'verified' });
    expect(hasUnverifiedPart(wa)).toBe(true);
    expect(wa.unverifiedParts?.[0]).toContain('HB 1217');
  });

  it('"none found" states ship an unverified rule with no grace and no cap', () => {
    for (const s of ['FL', 'GA', 'PA', 'OH', 'MI', 'IL', 'NJ']) {
      const r = fee(`US-${s}`, 'residential');
      expect(r.status, s).toBe('unverified');
      expect(r.cap, s).toBeNull();
    }
    expect(fee('US-IL', 'storage')).toMatchObject({ status: 'unverified' });
    expect(lateFeeRuleFor('US-FL', 'storage', '2026-06-01')).toBeUndefined();
  });
});

describe('notice periods and their counting', () => {
  it('FL: 3 days excluding weekends and holidays, +5 days by mail', () => {
    const r = notice('US-FL', 'residential', 'pay-or-quit-notice');
    expect(r.counting).toBe('court_days');
    // Fri 20 Nov 2026: Mon 23, Tue 24, Wed 25; +5 → Mon 30 Nov.
    expect(noticeDeadline(r, '2026-11-20', 'certified_mail')).toBe('2026-11-30');
    expect(longestNoticeSpanDays(r, 'first_class')).toBe(12);
  });

  it('NV: 7 judicial days; GA: 3 business days from 1 Jul 2024 only', () => {
    const nv = notice('US-NV', 'residential', 'pay-or-quit-notice');
    // Fri 20 Nov 2026: 23, 24, 25, (26 Thanksgiving, 27 Family Day), 30, 1, 2, 3 Dec.
    expect(noticeDeadline(nv, '2026-11-20', 'first_class')).toBe('2026-12-03');
    expect(notice('US-GA', 'residential', 'pay-or-quit-notice').counting).toBe('business_days');
    expect(
      noticeRuleFor('US-GA', 'residential', 'pay-or-quit-notice', '2024-06-30'),
    ).toBeUndefined();
  });

  it('WA adds a day when posted and mailed; NY gives 14 days after the §235-e notice', () => {
    const wa = notice('US-WA', 'residential', 'pay-or-quit-notice');
    expect(noticeDeadline(wa, '2026-03-02', 'first_class')).toBe('2026-03-17');
    expect(notice('US-WA', 'commercial', 'pay-or-quit-notice').periodDays).toBe(3);
    const ny = notice('US-NY', 'residential', 'pay-or-quit-notice');
    expect(ny.periodDays).toBe(14);
    expect(ny.precededBy?.[0]).toMatchObject({
      template: 'past-due-notice',
      sentBy: ['certified_mail', 'certified_mail_e_return_receipt'],
      earliestDay: 6,
    });
    expect(notice('US-NY', 'commercial', 'pay-or-quit-notice').status).toBe('verified');
  });

  it('VA: 5 days through 2026-06-30, an unverified 14 days from 2026-07-01', () => {
    expect(notice('US-VA', 'residential', 'pay-or-quit-notice', '2026-06-30')).toMatchObject({
      periodDays: 5,
      status: 'secondary',
    });
    expect(notice('US-VA', 'residential', 'pay-or-quit-notice', '2026-07-01')).toMatchObject({
      periodDays: 14,
      status: 'unverified',
    });
  });

  it('MD: mail with a certificate, or e-delivery the tenant elected', () => {
    const md = notice('US-MD', 'residential', 'pay-or-quit-notice');
    expect(md.deliveryMethods).not.toContain('first_class');
    expect(md.consentRequiredFor).toEqual(['email', 'sms_link', 'portal']);
  });

  it('OR: the 10-day notice from day 7; OH: certified mail with return receipt only', () => {
    expect(notice('US-OR', 'residential', 'pay-or-quit-notice')).toMatchObject({
      periodDays: 10,
      earliestDay: 7,
    });
    expect(notice('US-OH', 'residential', 'pay-or-quit-notice').deliveryMethods).toEqual([
      'certified_mail_e_return_receipt',
    ]);
  });

  it('NJ needs no notice before filing for nonpayment', () => {
    expect(getPack('US-NJ')?.notices).toEqual([]);
  });
});

describe('self-storage lien timelines', () => {
  it('NY: 30 days from mailing; e-mail only with verified mail; sale unverified', () => {
    const r = notice('US-NY', 'storage', 'lien-notice');
    expect(r.periodDays).toBe(30);
    expect(r.onlyWith).toEqual({ email: ['certified_mail', 'certified_mail_e_return_receipt'] });
    expect(saleRuleFor('US-NY', 'storage', '2026-06-01')?.status).toBe('unverified');
  });

  it('GA: after 30 days of default, 14 days to pay, sale 15 days after the first ad', () => {
    expect(notice('US-GA', 'storage', 'lien-notice')).toMatchObject({
      earliestDay: 30,
      periodDays: 14,
    });
    expect(notice('US-GA', 'storage', 'auction-notice').periodDays).toBe(15);
    expect(followUpsOf(notice('US-GA', 'storage', 'auction-notice'), 'auction-notice')).toEqual([
      'sale',
    ]);
  });

  it('AZ: a first notice after 30 days, the second by first-class mail 7 days later', () => {
    const r = notice('US-AZ', 'storage', 'lien-notice');
    expect(r.deliveryMethods).toEqual(['first_class', 'first_class_certificate_of_mailing']);
    expect(r.precededBy?.[0]).toMatchObject({
      template: 'pre-lien-notice',
      earliestDay: 31,
      minDaysBefore: 7,
    });
    expect(noticeRuleFor('US-AZ', 'storage', 'pre-lien-notice', '2026-06-01')).toBeUndefined();
  });

  it('IL verified 14 days; NC from day 15 with consented e-mail; FL and NC periods are placeholders', () => {
    expect(notice('US-IL', 'storage', 'lien-notice')).toMatchObject({
      periodDays: 14,
      status: 'verified',
    });
    const nc = notice('US-NC', 'storage', 'lien-notice');
    expect(nc).toMatchObject({ earliestDay: 15, consentRequiredFor: ['email'] });
    for (const r of [nc, notice('US-FL', 'storage', 'lien-notice')])
      expect(r.unverifiedParts?.join(' ')).toContain('placeholder');
  });
});

describe('federal overlay', () => {
  it('TCPA calling hours, consent, revocation and CAN-SPAM opt-outs', () => {
    expect(FEDERAL_OVERLAY.tcpaCallingHours).toMatchObject({ start: '08:00', end: '21:00' });
    expect(FEDERAL_OVERLAY.tcpaConsent.marketingConsent).toBe('prior_express_written');
    expect(FEDERAL_OVERLAY.tcpaRevocation).toMatchObject({
      honorWithinBusinessDays: 10,
      revokeAllWaivedUntil: '2027-01-31',
      effectiveFrom: '2025-04-11',
      status: 'verified',
    });
    expect(FEDERAL_OVERLAY.tcpaRevocation.keywords).toContain('UNSUBSCRIBE');
    expect(FEDERAL_OVERLAY.canSpamOptOut).toMatchObject({
      channel: 'email',
      honorWithinBusinessDays: 10,
    });
    for (const r of federalOverlayRules()) expect(r.sources.length, r.id).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------
// Validation driven by the new packs

function make(
  appliesTo: PolicyInput['appliesTo'],
  stages: PolicyInput['stages'],
  over: Partial<PolicyInput> = {},
): Policy {
  return policySchema.parse({ id: 'test', appliesTo, stages, ...over });
}
const messages = (p: Policy, asOf?: string) =>
  validatePolicy(p, 'p.yaml', asOf ? { asOf } : {}).map((i) => `${i.path}: ${i.message}`);

const doc = (template: string, delivery: string[], id = 'notice') => ({
  id,
  type: 'document' as const,
  template,
  delivery: delivery as never,
});
const legal = { id: 'legal', type: 'escalate' as const, to: 'legal' as const };

describe('validation: notice periods', () => {
  it('rejects a filing before the notice period has run, naming the rule and citation', () => {
    const p = make({ jurisdiction: 'US-CO', kind: 'residential' }, [
      { id: 'notice', day: 8, actions: [doc('pay-or-quit-notice', ['certified_mail'])] },
      { id: 'legal', day: 15, minGapDays: 7, actions: [legal] },
    ]);
    const [issue, ...rest] = messages(p);
    expect(rest).toEqual([]);
    expect(issue).toContain('stages[1] (legal).actions[0]');
    expect(issue).toContain('CO residential gives the tenant 10 days');
    expect(issue).toContain('C.R.S. §13-40-104(1)(d)');
    expect(issue).toContain('set `minGapDays: 11` (or more) on stage `legal`');
    expect(issue).toContain('[rule US-CO/residential/demand-for-rent, verified]');
    const ok = make({ jurisdiction: 'US-CO', kind: 'residential' }, [
      { id: 'notice', day: 8, actions: [doc('pay-or-quit-notice', ['certified_mail'])] },
      { id: 'legal', day: 19, minGapDays: 11, actions: [legal] },
    ]);
    expect(messages(ok)).toEqual([]);
  });

  it('counts weekends for court days, mailing days, and e-delivery deferral', () => {
    // NV: 7 judicial days can take 11 calendar days (served on a Friday): 12 needed.
    const nv = (gap: number) =>
      make({ jurisdiction: 'US-NV', kind: 'residential' }, [
        { id: 'notice', day: 6, actions: [doc('pay-or-quit-notice', ['first_class'])] },
        { id: 'legal', day: 6 + gap, minGapDays: gap, actions: [legal] },
      ]);
    expect(messages(nv(11))[0]).toContain('7 judicial days (up to 11 calendar days');
    expect(messages(nv(12))).toEqual([]);
    // TX storage: 14 days; e-mail moves the notice up to 2 days with quiet Sundays.
    const tx = (gap: number, delivery: string[]) =>
      make(
        { jurisdiction: 'US-TX', kind: 'storage' },
        [
          { id: 'notice', day: 15, actions: [doc('lien-notice', delivery)] },
          {
            id: 'sale',
            day: 16,
            minGapDays: 1,
            actions: [{ id: 'auction', type: 'auction', inDays: gap - 1 }],
          },
        ],
        { quietDays: ['sunday'] },
      );
    expect(messages(tx(14, ['certified_mail']))).toEqual([]);
    expect(messages(tx(13, ['certified_mail']))[0]).toContain('set `inDays: 13` (or more)');
    expect(messages(tx(14, ['certified_mail', 'email']))[0]).toContain(
      'up to 2 days after its stage fires',
    );
    expect(messages(tx(16, ['certified_mail', 'email']))).toEqual([]);
  });

  it('a sale in the same stage as the notice needs inDays of at least the period', () => {
    const p = (inDays: number) =>
      make({ jurisdiction: 'US-IL', kind: 'storage' }, [
        {
          id: 'notice',
          day: 15,
          actions: [
            doc('lien-notice', ['certified_mail']),
            { id: 'auction', type: 'auction', inDays },
          ],
        },
      ]);
    expect(messages(p(13)).join('\n')).toContain('770 ILCS 95/4');
    // The sale is also unverified in Illinois, but this policy is supervised.
    expect(messages(p(14))).toEqual([]);
  });
});

describe('validation: prior notices and companions', () => {
  const ny = (stages: PolicyInput['stages']) =>
    make({ jurisdiction: 'US-NY', kind: 'residential' }, stages);

  it('NY: the rent demand needs the §235-e notice by certified mail from day 6 first', () => {
    const demand = {
      id: 'demand',
      day: 8,
      actions: [doc('pay-or-quit-notice', ['certified_mail'])],
    };
    expect(messages(ny([demand]))[0]).toContain(
      'NY residential requires the written notice of non-receipt of rent (RPL §235-e(d))',
    );
    const byMail = ny([
      { id: 'non-receipt', day: 5, actions: [doc('past-due-notice', ['first_class'])] },
      demand,
    ]);
    const found = messages(byMail).join('\n');
    expect(found).toContain('must be sent by certified_mail or certified_mail_e_return_receipt');
    expect(found).toContain(
      'no earlier than day 6 after the due date (N.Y. Real Prop. Law §235-e(d))',
    );
    expect(
      messages(
        ny([
          { id: 'non-receipt', day: 6, actions: [doc('past-due-notice', ['certified_mail'])] },
          demand,
        ]),
      ),
    ).toEqual([]);
  });

  it('AZ: the second notice at least 7 days after the first', () => {
    const p = (gap: number) =>
      make({ jurisdiction: 'US-AZ', kind: 'storage' }, [
        { id: 'first', day: 31, actions: [doc('pre-lien-notice', ['certified_mail'])] },
        {
          id: 'second',
          day: 31 + gap,
          minGapDays: gap,
          actions: [doc('lien-notice', ['first_class'])],
        },
      ]);
    expect(messages(p(6)).join('\n')).toContain('must come at least 7 days after the first notice');
    expect(messages(p(7))).toEqual([]);
  });

  it('NY storage: e-mail only together with certified mail', () => {
    const p = (delivery: string[]) =>
      make({ jurisdiction: 'US-NY', kind: 'storage' }, [
        { id: 'notice', day: 15, actions: [doc('lien-notice', delivery)] },
      ]);
    expect(messages(p(['email']))[0]).toContain(
      'NY storage accepts `email` for the Notice of lien and demand for payment only together with certified_mail or certified_mail_e_return_receipt',
    );
    expect(messages(p(['certified_mail', 'email']))).toEqual([]);
  });
});

describe('validation: fees and autopilot', () => {
  it('rejects a daily late fee where one fee per late payment is allowed', () => {
    const p = make({ jurisdiction: 'US-NC', kind: 'residential' }, [
      {
        id: 'fee',
        day: 5,
        actions: [{ id: 'fee', type: 'fee', amountCents: 100, recurring: 'daily', maxDays: 10 }],
      },
    ]);
    expect(messages(p)[0]).toContain(
      'allows one late fee per late payment (N.C. Gen. Stat. §42-46)',
    );
  });

  it('refuses autopilot on a rule with unverified parts, and on an unverified sale', () => {
    const p = make(
      { jurisdiction: 'US-CO', kind: 'residential' },
      [{ id: 'notice', day: 8, actions: [doc('pay-or-quit-notice', ['certified_mail'])] }],
      { mode: 'autopilot' },
    );
    const [issue] = messages(p);
    expect(issue).toContain('stages[0] (notice).approval');
    expect(issue).toContain(
      'which is unverified in part (delivery methods (not in the reference))',
    );
    expect(issue).toContain('have counsel confirm the rule');
    const sale = make(
      { jurisdiction: 'US-NY', kind: 'storage' },
      [{ id: 'sale', day: 60, actions: [{ id: 'auction', type: 'auction', inDays: 10 }] }],
      { mode: 'assisted' },
    );
    expect(messages(sale)[0]).toContain('relies on rule US-NY/storage/sale');
    // A filing that waits for an unverified notice is refused too.
    const filing = make(
      { jurisdiction: 'US-VA', kind: 'residential' },
      [
        {
          id: 'notice',
          day: 6,
          approval: 'manual',
          actions: [doc('pay-or-quit-notice', ['first_class'])],
        },
        { id: 'legal', day: 21, minGapDays: 15, actions: [legal] },
      ],
      { mode: 'autopilot' },
    );
    const found = messages(filing);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('stages[1] (legal).approval');
    expect(found[0]).toContain('US-VA/residential/pay-or-quit-notice-hb15');
  });

  it('the unverified VA 14-day period applies to a running policy; asOf before it sees both', () => {
    const p = make({ jurisdiction: 'US-VA', kind: 'residential' }, [
      { id: 'notice', day: 6, actions: [doc('pay-or-quit-notice', ['first_class'])] },
      { id: 'legal', day: 13, minGapDays: 7, actions: [legal] },
    ]);
    expect(messages(p).join('\n')).toContain('gives the tenant 14 days');
    expect(messages(p, '2026-01-01').join('\n')).toContain('gives the tenant 14 days');
  });
});
