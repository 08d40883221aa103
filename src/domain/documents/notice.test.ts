import { describe, expect, it } from 'vitest';
import { noticeDeadline, US_CA } from '../jurisdictions/index.js';
import { describeCounting, noticeTerms } from './deadline.js';
import { buildNotice, NoticeError, titleAndBody, withoutLetterhead } from './notice.js';
import { ledgerRows } from './packet.js';
import { isReturn, statusOf, withEvent, type ProofEvent } from './proof.js';
import { sampleLeaseInput } from './testing.js';

const preLien = (leaseId: string, contactId: string, over: Record<string, unknown> = {}) =>
  buildNotice({
    lease: sampleLeaseInput(leaseId),
    contactId,
    episode: 1,
    templateId: 'pre-lien-notice',
    method: 'certified_mail',
    servedOn: '2026-10-16',
    reference: `${leaseId}:1:pre-lien-notice:notice`,
    ...over,
  });

describe('the notice model', () => {
  it('itemises every unpaid past-due counted charge and the deadline from the pack', () => {
    const n = preLien('S-1', 'T-1');
    expect(n.locale).toBe('en');
    expect(n.letterhead).toEqual({
      name: 'Arroyo Storage Partners, LP',
      addressLines: ['1450 E Walnut St', 'Pasadena, CA 91106'],
      phone: '+16265550100',
      email: 'office@arroyostorage.example',
    });
    expect(n.recipient).toMatchObject({
      name: 'Dana Whitfield',
      addressLines: ['415 S Lake Ave', 'Apt 9', 'Pasadena, CA 91101'],
    });
    // The utility charge is not a trigger category of the policy: not demanded.
    expect(n.balance.lines.map((l) => [l.dueDate, l.description, l.unpaidCents])).toEqual([
      ['2026-10-01', 'Rent, October 2026', 19500],
      ['2026-10-11', 'Fee: Late fee', 2000],
    ]);
    expect(n.balance).toMatchObject({ pastDueCents: 21500, pastDueRentCents: 19500 });
    // CA preliminary lien notice: 14 calendar days from mailing, day of mailing not counted.
    expect(n.statutory).toMatchObject({
      ruleId: 'US-CA/storage/pre-lien-notice',
      deadline: '2026-10-30',
      periodDays: 14,
      counting: 'calendar',
    });
    expect(n.statutory?.countingText).toBe(
      '14 calendar days, counted from the day after the notice is served or mailed.',
    );
    expect(n.payTo).toMatchObject({
      name: 'Arroyo Storage Partners, LP',
      hours: 'Mon-Sat 9:30-18:00',
    });
    // The template's own letterhead lines are left to the layout; its text starts after them.
    expect(n.title).toBe('Preliminary lien notice');
    expect(n.body.startsWith('Occupant: Dana Whitfield\n')).toBe(true);
    expect(n.body).toContain('- Rent, October 2026, due October 1, 2026: $195.00');
    expect(n.body).toContain('Total now due: $215.00');
    expect(n.body).toContain('will terminate on October 30, 2026');
  });

  it('is in Spanish for a Spanish-speaking tenant, with Spanish money and dates', () => {
    const n = preLien('S-2', 'T-2');
    expect(n.locale).toBe('es');
    expect(n.templateKey).toBe('pre-lien-notice.es');
    expect(n.title).toBe('AVISO PRELIMINAR DE GRAVAMEN (Preliminary lien notice)');
    expect(n.body.startsWith('Ocupante: Lucía Hernández\n')).toBe(true);
    expect(n.recipient.addressLines).toEqual(['1820 N Fair Oaks Ave, Pasadena, CA 91103']);
    expect(n.balance.lines[0]?.description).toBe('Renta de octubre de 2026');
    expect(n.body).toContain('terminará el 30 de octubre de 2026');
    expect(n.body).toContain('$55.00');
    expect(n.statutory?.countingText).toBe(
      '14 días naturales, contados a partir del día siguiente a la entrega o envío del aviso.',
    );
  });

  it('demands rent only in a notice to pay rent or quit', () => {
    const input = sampleLeaseInput('S-1');
    const residential = {
      ...input,
      property: { ...input.property, kind: 'residential' as const },
    };
    const n = buildNotice({
      lease: residential,
      contactId: 'T-1',
      episode: 1,
      templateId: 'pay-or-quit-notice',
      method: 'first_class',
      servedOn: '2026-10-16', // a Friday: court days Mon 19, Tue 20, Wed 21
    });
    expect(n.demand).toBe('rent_only');
    expect(n.balance.rentLines.map((l) => l.unpaidCents)).toEqual([19500]);
    expect(n.body).toContain('$195.00');
    expect(n.body).not.toContain('$215.00');
    expect(n.body).not.toContain('$20.00');
    expect(n.statutory).toMatchObject({ deadline: '2026-10-21', counting: 'court_days' });
    expect(n.body).toContain('on or before October 21, 2026');
  });

  it('refuses what cannot be mailed, with a reason code', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof NoticeError ? e.code : String(e);
      }
      return 'no error';
    };
    expect(code(() => preLien('S-3', 'T-3'))).toBe('no_address');
    expect(code(() => preLien('S-1', 'T-9'))).toBe('no_contact');
    expect(code(() => preLien('S-1', 'T-1', { templateId: 'nope' }))).toBe('unknown_template');
    expect(code(() => preLien('S-1', 'T-1', { templateId: 'late-notice' }))).toBe('not_a_document');
    expect(code(() => preLien('S-1', 'T-1', { method: 'first_class' }))).toBe(
      'method_not_accepted',
    );
  });

  it('is the same model for the same input', () => {
    expect(preLien('S-1', 'T-1')).toEqual(preLien('S-1', 'T-1'));
  });
});

describe('notice terms', () => {
  it('agree with the jurisdiction pack and add no mailing days where it has none', () => {
    const rule = US_CA.notices.find((r) => r.id === 'US-CA/storage/pre-lien-notice')!;
    const terms = noticeTerms(
      'US-CA',
      'storage',
      'pre-lien-notice',
      '2026-10-16',
      'certified_mail',
    )!;
    expect(terms.deadline).toBe(noticeDeadline(rule, '2026-10-16', 'certified_mail'));
    expect(terms.extensionDays).toBe(0);
    expect(terms.statements).toEqual([rule.wording!.terminationDate]);
    expect(
      noticeTerms('US-CA', 'storage', 'past-due-notice', '2026-10-16', 'email'),
    ).toBeUndefined();
  });

  it('describe court days, counting the day of service, and mailing days', () => {
    const t = {
      periodDays: 3,
      counting: 'court_days' as const,
      serviceDayCounts: true,
      extensionDays: 5,
      method: 'first_class' as const,
    };
    expect(describeCounting(t, 'en')).toBe(
      '3 court days (Saturdays, Sundays and court holidays are not counted), counting the day the notice is served or mailed, plus 5 calendar days because it is sent by first-class mail.',
    );
    expect(describeCounting({ ...t, periodDays: 1, extensionDays: 0 }, 'es')).toBe(
      '1 día hábil judicial (no se cuentan los sábados, domingos ni días feriados de los tribunales), contando el día en que se entrega o envía el aviso.',
    );
  });
});

describe('pieces', () => {
  it('takes the title line off the body, keeping what it adds', () => {
    expect(titleAndBody('Notice', 'NOTICE (Aviso)\n\nText')).toEqual({
      title: 'NOTICE (Aviso)',
      body: 'Text',
    });
    expect(titleAndBody('Notice', 'Notice of default\nText').title).toBe('Notice');
    expect(titleAndBody('Notice', 'Dear Ana').body).toBe('Dear Ana');
  });

  it('drops only the leading letterhead lines', () => {
    expect(withoutLetterhead('A\n\nB\nC\nA', new Set(['A', 'B']))).toBe('C\nA');
    expect(withoutLetterhead('X\nA', new Set(['A']))).toBe('X\nA');
  });

  it('keeps proof events in time order, once each', () => {
    const ev = (id: string, type: ProofEvent['type'], at: string): ProofEvent => ({
      id,
      type,
      at,
      date: at.slice(0, 10),
      source: 'provider:x',
    });
    const a = withEvent([], ev('m', 'mailed', '2026-10-16T17:00:00.000Z'))!;
    const b = withEvent(a, ev('r', 'returned', '2026-10-25T17:00:00.000Z'))!;
    const c = withEvent(b, ev('u', 'unclaimed', '2026-10-24T17:00:00.000Z'))!;
    expect(c.map((e) => e.id)).toEqual(['m', 'u', 'r']);
    expect(withEvent(c, ev('r', 'returned', '2026-10-25T17:00:00.000Z'))).toBeUndefined();
    expect(statusOf(c)).toBe('returned');
    expect(
      ['delivered', 'returned', 'refused', 'unclaimed'].map((t) => isReturn(t as never)),
    ).toEqual([false, true, true, true]);
  });

  it('runs the ledger balance, undoing reversed entries', () => {
    const { rows, balanceCents } = ledgerRows([
      {
        id: 'C1',
        leaseId: 'L',
        date: '2026-10-01',
        type: 'charge',
        category: 'rent',
        amountCents: 1000,
        dueDate: '2026-10-01',
      },
      { id: 'P1', leaseId: 'L', date: '2026-10-05', type: 'payment', amountCents: 1000 },
      {
        id: 'X1',
        leaseId: 'L',
        date: '2026-10-09',
        type: 'reversal',
        amountCents: 1000,
        reverses: 'P1',
      },
    ]);
    expect(rows.map((r) => [r.debitCents, r.creditCents, r.balanceCents])).toEqual([
      [1000, 0, 1000],
      [0, 1000, 0],
      [1000, 0, 1000],
    ]);
    expect(balanceCents).toBe(1000);
  });
});
