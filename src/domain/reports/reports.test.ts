/**
 * The reports of SPEC 8 on a small portfolio with a known history
 * (test/support/report-fixture.ts): every figure below is worked out by hand in the
 * comments, from the ledger, events, cases and outbox history written in the fixture.
 * Reports run on 2026-12-15; period reports cover 2026-12-09 … 2026-12-15.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AS_OF,
  fixtureData,
  HOSTILE,
  ORGANISATION,
  PERIOD,
} from '../../../test/support/report-fixture.js';
import { allocate } from '../ledger/allocation.js';
import type { LedgerEntry } from '../portfolio/schema.js';
import { agingReportDocument } from './aging-document.js';
import { agingReport, agingReportCsv } from './aging-report.js';
import { attribute } from './attribution.js';
import {
  collectionsReport,
  collectionsReportCsv,
  collectionsReportDocument,
} from './collections-report.js';
import { csvCell, csvTable, money, rate } from './csv.js';
import {
  delinquencyReport,
  delinquencyReportCsv,
  delinquencyReportDocument,
} from './delinquency-report.js';
import { feesReport, feesReportCsv, feesReportDocument } from './fees-report.js';
import { noticesReport, noticesReportCsv, noticesReportDocument } from './notices-report.js';
import { ownerReport, ownerReportCsv, ownerReportDocument } from './owner-report.js';
import { reportPeriod } from './period.js';
import { pipelineReport, pipelineReportCsv, pipelineReportDocument } from './pipeline-report.js';
import { promisesReport, promisesReportCsv, promisesReportDocument } from './promises-report.js';
import { weeklyReport, weeklyReportCsv, weeklyReportDocument } from './weekly-report.js';

const data = fixtureData();

/** RFC 4180 reader: rows of cells (quotes undone). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe('delinquency detail on 2026-12-15', () => {
  const report = delinquencyReport(data, AS_OF);

  it('lists every lease with something past due or an open case, largest first', () => {
    // L1: rent 08..12 ($7,500) + the $50 fee, less $1,500 paid 12-10, which pays the
    //     oldest charge (August rent): $6,050 past due, oldest the fee due 08-06 (131 days).
    //     The payment is partial (made after the oldest charge fell due, leaving a balance):
    //     review, "decide whether to accept". Current stage: legal review (08-22 draft).
    // L2: $1,200 + $50 + $1,200; the 11-15 payment is reversed; $1,200 on 12-11 pays
    //     November; the fee is waived (credit 12-14): $1,200 past due (December, 14 days).
    //     Disputed 12-13: the dispute decides (state disputed), owner collections.
    // L5: rent $1,100 due 12-10 (5 days); the imported $75 fee is due today, so it is in
    //     the balance ($1,175) but not past due. Ready; the reminder SMS waits: approve it.
    // L4: September rent $900 (105 days); moved out, handed to an agency: collections
    //     track; ready, nothing waiting: the open task is the next action.
    // S1: $195 × 3 + $25 fee − $100 − $25 (naming the fee) = $485; oldest October rent
    //     (75 days); the promise of 12-14 is in force: hold, watch for the payment (due the
    //     day after 12-20). Its two payments of 12-12 are 3 days old (recent) and partial.
    // L3 paid in full on 12-14 and its case closed: not listed.
    expect(
      report.rows.map((r) => [
        r.leaseId,
        r.pastDueCents,
        r.balanceCents,
        r.oldestDueDate,
        r.daysPastDue,
        r.openCase,
        r.stage?.name,
        r.track,
        r.readiness,
        r.reasons,
        r.nextAction,
      ]),
    ).toEqual([
      [
        'L1',
        605000,
        605000,
        '2026-08-06',
        131,
        { episode: 1, opened: '2026-08-02' },
        'Legal review',
        'eviction',
        'review',
        ['partial_payment'],
        {
          what: 'Decide whether to accept the partial payment and re-draft',
          owner: 'collections',
          due: '2026-12-15',
        },
      ],
      [
        'L2',
        120000,
        120000,
        '2026-12-01',
        14,
        { episode: 1, opened: '2026-11-02' },
        '3-day notice',
        'eviction',
        'disputed',
        ['dispute', 'partial_payment'],
        {
          what: 'Answer the dispute with the ledger before any further demand',
          owner: 'collections',
          due: '2026-12-15',
        },
      ],
      [
        'L5',
        110000,
        117500,
        '2026-12-10',
        5,
        { episode: 1, opened: '2026-12-11' },
        'Friendly reminder',
        'eviction',
        'ready',
        [],
        { what: 'Approve Friendly reminder: sms', owner: 'collections', due: '2026-12-13' },
      ],
      [
        'L4',
        90000,
        90000,
        '2026-09-01',
        105,
        { episode: 1, opened: '2026-09-02' },
        'Collections hand-off',
        'collections',
        'ready',
        [],
        { what: 'Send the file to the agency', owner: 'role:collections', due: '2026-12-18' },
      ],
      [
        'S1',
        48500,
        48500,
        '2026-10-01',
        75,
        { episode: 1, opened: '2026-10-02' },
        'Lien sale',
        'lien',
        'hold',
        ['promise', 'recent_payment', 'recent_payment', 'partial_payment'],
        { what: 'Watch for the promised payment', owner: 'collections', due: '2026-12-21' },
      ],
    ]);
    expect(report.rows[1]).toMatchObject({ tenant: HOSTILE, property: 'Oak Court', unit: '14A' });
    // 6,050 + 1,200 + 1,100 + 900 + 485 = 9,735 past due; balances add L5's $75 fee.
    expect(report.totals).toEqual({
      leases: 5,
      openCases: 5,
      pastDueCents: 973500,
      balanceCents: 981000,
    });
  });

  it('writes CSV with the hostile tenant name as a quoted text cell', () => {
    const csv = delinquencyReportCsv(report);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([
      'leaseId',
      'tenant',
      'property',
      'propertyId',
      'unit',
      'pastDue',
      'balance',
      'oldestDueDate',
      'daysPastDue',
      'caseEpisode',
      'caseOpened',
      'stage',
      'track',
      'readiness',
      'reasons',
      'nextAction',
      'nextActionOwner',
      'nextActionDue',
    ]);
    expect(csv).toContain(
      `L2,"'=HYPERLINK(""http://evil.example"",""pay here"")",Oak Court,P1,14A,1200.00,1200.00,2026-12-01,14,1,2026-11-02,3-day notice,eviction,disputed,dispute partial_payment,`,
    );
    expect(rows[2]![1]).toBe(`'${HOSTILE}`);
    expect(rows.at(-1)!.slice(0, 7)).toEqual(['TOTAL', '', '', '', '', '9735.00', '9810.00']);
    expect(rows).toHaveLength(1 + 5 + 1);
  });
  it('a lease no policy covers is listed with what to do about it', () => {
    // Without the storage policy S1 is not replayed: its past due counts rent, fees,
    // utilities and other charges as they stand ($485), with no readiness.
    const r = delinquencyReport(
      { ...data, policies: data.policies.filter((p) => p.id !== 'sto') },
      AS_OF,
    );
    expect(r.rows.find((x) => x.leaseId === 'S1')).toMatchObject({
      pastDueCents: 48500,
      readiness: null,
      reasons: [],
      nextAction: { what: 'Apply a policy that covers this lease', owner: 'admin', due: null },
    });
  });
});

describe('case pipeline on 2026-12-15', () => {
  const report = pipelineReport(data, AS_OF);

  it('counts open cases and their past due by track and by current stage', () => {
    // Open cases: L1 (eviction, legal review, $6,050), L2 (eviction, 3-day notice sent
    // 12-09, $1,200), L5 (eviction, reminder drafted, $1,100), S1 (storage: lien, lien sale
    // drafted, $485), L4 (moved out and placed with an agency: collections, $900).
    // L3's case closed on 12-14.
    expect(report.totals).toEqual({ cases: 5, pastDueCents: 973500 });
    expect(report.byTrack).toEqual([
      { track: 'eviction', cases: 3, pastDueCents: 835000 },
      { track: 'lien', cases: 1, pastDueCents: 48500 },
      { track: 'collections', cases: 1, pastDueCents: 90000 },
    ]);
    // Stages in policy order: reminder (0), then auction and pay-or-quit (both 2nd in their
    // policies; by id), legal (3), collections (4).
    expect(report.byStage.map((s) => [s.stageName, s.cases, s.pastDueCents])).toEqual([
      ['Friendly reminder', 1, 110000],
      ['Lien sale', 1, 48500],
      ['3-day notice', 1, 120000],
      ['Legal review', 1, 605000],
      ['Collections hand-off', 1, 90000],
    ]);
    expect(report.rows.map((r) => [r.track, r.stage, r.cases, r.pastDueCents])).toEqual([
      ['eviction', 'reminder', 1, 110000],
      ['eviction', 'pay-or-quit', 1, 120000],
      ['eviction', 'legal', 1, 605000],
      ['lien', 'auction', 1, 48500],
      ['collections', 'collections', 1, 90000],
    ]);
    expect(report.cases.map((c) => [c.leaseId, c.daysOpen])).toEqual([
      ['L1', 135],
      ['L4', 104],
      ['S1', 74],
      ['L2', 43],
      ['L5', 4],
    ]);
  });

  it('on an earlier date, a case sits in the stage it had reached then', () => {
    // On 2026-08-09 L1 had its reminder, fee and 3-day notice (08-08) planned, not the
    // legal review (08-22); no other case was open yet.
    // Past due then: August rent and the fee of 08-06, $1,550.
    const early = pipelineReport(data, '2026-08-09');
    expect(early.rows).toEqual([
      {
        track: 'eviction',
        stage: 'pay-or-quit',
        stageName: '3-day notice',
        cases: 1,
        pastDueCents: 155000,
      },
    ]);
  });

  it('writes CSV: stage lines, a subtotal per track, the total', () => {
    expect(pipelineReportCsv(report).split('\n')).toEqual([
      'level,track,stage,stageName,cases,pastDue',
      'stage,eviction,reminder,Friendly reminder,1,1100.00',
      'stage,eviction,pay-or-quit,3-day notice,1,1200.00',
      'stage,eviction,legal,Legal review,1,6050.00',
      'stage,lien,auction,Lien sale,1,485.00',
      'stage,collections,collections,Collections hand-off,1,900.00',
      'track,eviction,,,3,8350.00',
      'track,lien,,,1,485.00',
      'track,collections,,,1,900.00',
      'total,,,,5,9735.00',
      '',
    ]);
  });
});

describe('promises made 2026-12-09 … 12-15', () => {
  const report = promisesReport(data, PERIOD, AS_OF);

  it('says which were kept, broken or are still open, with amounts', () => {
    // L2 12-09: $1,200 by 12-12, paid 12-11: kept. L3 12-10: $1,000 by 12-14, paid 12-14:
    // kept. L1 12-11: $3,000 by 12-13, nothing paid since (its payment was 12-10): broken.
    // S1 12-14, no amount: the past-due amount that day, $485, by 12-20: open.
    // L2's promise of 11-20 was made before the period: not counted.
    expect(
      report.rows.map((r) => [r.leaseId, r.made, r.until, r.amountCents, r.paidCents, r.outcome]),
    ).toEqual([
      ['L2', '2026-12-09', '2026-12-12', 120000, 120000, 'kept'],
      ['L3', '2026-12-10', '2026-12-14', 100000, 100000, 'kept'],
      ['L1', '2026-12-11', '2026-12-13', 300000, 0, 'broken'],
      ['S1', '2026-12-14', '2026-12-20', 48500, 0, 'open'],
    ]);
    expect(report.totals).toEqual({
      made: 4,
      kept: 2,
      broken: 1,
      open: 1,
      released: 0,
      promisedCents: 568500,
      keptCents: 220000,
      brokenCents: 300000,
      openCents: 48500,
      releasedCents: 0,
      paidCents: 220000,
      keptRate: 0.6667, // 2 kept of 3 that ended
    });
  });

  it('as of the period end minus one day, L1’s promise (due 12-13) is still open', () => {
    const r = promisesReport(data, { from: '2026-12-09', to: '2026-12-13' }, '2026-12-13');
    expect(r.rows.map((x) => [x.leaseId, x.outcome])).toEqual([
      ['L2', 'kept'],
      ['L3', 'open'],
      ['L1', 'open'],
    ]);
  });

  it('writes CSV with totals per outcome and the kept rate', () => {
    const lines = promisesReportCsv(report).split('\n');
    expect(lines[0]).toBe('leaseId,tenant,property,unit,made,until,promised,paid,outcome');
    expect(lines[1]).toBe(
      `L2,"'=HYPERLINK(""http://evil.example"",""pay here"")",Oak Court,14A,2026-12-09,2026-12-12,1200.00,1200.00,kept`,
    );
    expect(lines.slice(5)).toEqual([
      'TOTAL kept,,,,,,2200.00,,2',
      'TOTAL broken,,,,,,3000.00,,1',
      'TOTAL open,,,,,,485.00,,1',
      'TOTAL released,,,,,,0.00,,0',
      'TOTAL,,,,,,5685.00,2200.00,4',
      'KEPT RATE,,,,,,,,0.6667',
      '',
    ]);
  });
});

describe('collections 2026-12-09 … 12-15', () => {
  const report = collectionsReport(data, PERIOD);

  it('recovered dollars and the collection rate, per property and in total', () => {
    // Past due at the end of 12-08 (opening) and of 12-15 (closing); recovered = payments
    // in the period applied to charges due before the payment date.
    // Oak Court:
    //   L1 opening $7,550 (all rent to December + fee), closing $6,050; PAY-L1-1 $1,500
    //      pays August rent: recovered $1,500.
    //   L2 opening $2,450, closing $1,200; PAY-L2-1 $1,200 pays November rent (recovered);
    //      the $50 fee waiver is a credit on a past-due fee (adjusted $50).
    //   L3 opening $1,000 (December rent), closing 0; recovered $1,000.
    //   L4 $900 both ends. L5 rent due 12-10 fell past due in the period: 0 → $1,100.
    //   opening 11,900; closing 9,250; recovered 3,700; adjusted 50;
    //   collectible = 9,250 + 3,700 + 50 = 13,000; rate 3,700 / 13,000 = 0.2846.
    // Arroyo Storage: S1 opening $610 ($195 × 3 + $25), closing $485; $25 naming the fee
    //   and $100 on October rent: recovered $125; collectible 485 + 125 = 610; rate 0.2049.
    expect(report.rows).toEqual([
      {
        propertyId: 'P2',
        property: 'Arroyo Storage',
        openingPastDueCents: 61000,
        closingPastDueCents: 48500,
        recoveredCents: 12500,
        adjustedCents: 0,
        collectibleCents: 61000,
        collectionRate: 0.2049,
        paymentsCents: 12500,
        leasesRecovered: 1,
      },
      {
        propertyId: 'P1',
        property: 'Oak Court',
        openingPastDueCents: 1190000,
        closingPastDueCents: 925000,
        recoveredCents: 370000,
        adjustedCents: 5000,
        collectibleCents: 1300000,
        collectionRate: 0.2846,
        paymentsCents: 370000,
        leasesRecovered: 3,
      },
    ]);
    // 3,825 recovered of 13,610 collectible = 0.2810.
    expect(report.totals).toEqual({
      openingPastDueCents: 1251000,
      closingPastDueCents: 973500,
      recoveredCents: 382500,
      adjustedCents: 5000,
      collectibleCents: 1361000,
      collectionRate: 0.281,
      paymentsCents: 382500,
      leasesRecovered: 4,
    });
    expect(collectionsReportCsv(report).split('\n').at(-2)).toBe(
      'TOTAL,,12510.00,9735.00,3825.00,50.00,13610.00,0.2810,3825.00,4',
    );
  });

  it('a payment on or before the due date is not a recovery', () => {
    const r = collectionsReport(data, { from: '2026-12-01', to: '2026-12-01' });
    expect(r.totals.recoveredCents).toBe(0);
    expect(r.totals.paymentsCents).toBe(0);
  });
});

describe('notices sent 2026-12-09 … 12-15', () => {
  const report = noticesReport(data, PERIOD);

  it('per channel and method, with outcomes and delivery rate', () => {
    // Dispatched in the period (local dates): L2 3-day notice by certified mail (returned
    // 12-14) and first class (no news) on 12-09; L3 late-notice SMS 12-09 (delivered); S1
    // pre-lien notice 12-10 (delivered); L3 reminder e-mail 12-11 (bounced); L4 letter 12-12
    // (outcome lost: unknown); L4 SMS refused by the provider at 21:00 on 12-15 (05:00Z on
    // 12-16). Not counted: L2's SMS sent at 22:00 on 12-08, L3's reminder SMS sent 12-04
    // and delivered in the period.
    expect(report.rows).toEqual([
      {
        channel: 'email',
        method: 'email',
        sent: 1,
        delivered: 0,
        failed: 0,
        bounced: 1,
        returned: 0,
        unknown: 0,
        pending: 0,
        deliveryRate: 0,
      },
      {
        channel: 'mail',
        method: 'certified_mail',
        sent: 2,
        delivered: 1,
        failed: 0,
        bounced: 0,
        returned: 1,
        unknown: 0,
        pending: 0,
        deliveryRate: 0.5,
      },
      {
        channel: 'mail',
        method: 'first_class',
        sent: 2,
        delivered: 0,
        failed: 0,
        bounced: 0,
        returned: 0,
        unknown: 1,
        pending: 1,
        deliveryRate: 0,
      },
      {
        channel: 'sms',
        method: 'sms',
        sent: 2,
        delivered: 1,
        failed: 1,
        bounced: 0,
        returned: 0,
        unknown: 0,
        pending: 0,
        deliveryRate: 0.5,
      },
    ]);
    expect(report.totals).toEqual({
      sent: 7,
      delivered: 2,
      failed: 1,
      bounced: 1,
      returned: 1,
      unknown: 1,
      pending: 1,
      deliveryRate: 0.2857, // 2 of 7
    });
    // Stopped in the period: L3's 3-day notice cancelled when paid (12-14); L5's reminder
    // e-mail skipped for lack of consent (12-13). L3's fee cancelled by a waiver is a fee.
    expect(report.notSent).toEqual([
      { status: 'cancelled', reason: 'paid', count: 1 },
      { status: 'skipped', reason: 'no_consent', count: 1 },
    ]);
    expect(noticesReportCsv(report).split('\n').at(-2)).toBe('TOTAL,,7,2,1,1,1,1,1,0.2857');
  });
});

describe('fees 2026-12-09 … 12-15', () => {
  it('assessed vs collected vs waived, by kind', () => {
    // late: no late fee dated in the period; L2's $50 waived by a credit on 12-14; L1's $50
    //   still unpaid; L3's $50 waived while still in the outbox (12-10).
    // lien: S1's $25 paid on 12-12 by a payment naming it.
    // other: L5's imported $75 fee dated 12-15, unpaid.
    const report = feesReport(data, PERIOD);
    expect(report.rows).toEqual([
      {
        kind: 'late',
        assessedCount: 0,
        assessedCents: 0,
        collectedCents: 0,
        waivedCents: 5000,
        writtenOffCents: 0,
        outstandingCents: 5000,
        waivedBeforePostingCount: 1,
        waivedBeforePostingCents: 5000,
      },
      {
        kind: 'lien',
        assessedCount: 0,
        assessedCents: 0,
        collectedCents: 2500,
        waivedCents: 0,
        writtenOffCents: 0,
        outstandingCents: 0,
        waivedBeforePostingCount: 0,
        waivedBeforePostingCents: 0,
      },
      {
        kind: 'other',
        assessedCount: 1,
        assessedCents: 7500,
        collectedCents: 0,
        waivedCents: 0,
        writtenOffCents: 0,
        outstandingCents: 7500,
        waivedBeforePostingCount: 0,
        waivedBeforePostingCents: 0,
      },
    ]);
    expect(report.totals).toMatchObject({
      assessedCount: 1,
      assessedCents: 7500,
      collectedCents: 2500,
      waivedCents: 5000,
      outstandingCents: 12500,
    });
    expect(feesReportCsv(report).split('\n')).toEqual([
      'kind,assessedCount,assessed,collected,waived,writtenOff,outstanding,waivedBeforePostingCount,waivedBeforePosting',
      'late,0,0.00,0.00,50.00,0.00,50.00,1,50.00',
      'lien,0,0.00,25.00,0.00,0.00,0.00,0,0.00',
      'other,1,75.00,0.00,0.00,0.00,75.00,0,0.00',
      'TOTAL,1,75.00,25.00,50.00,0.00,125.00,1,50.00',
      '',
    ]);
  });

  it('over August, L1’s engine-posted late fee is assessed', () => {
    const r = feesReport(data, { from: '2026-08-01', to: '2026-08-31' });
    expect(r.rows).toEqual([
      expect.objectContaining({
        kind: 'late',
        assessedCount: 1,
        assessedCents: 5000,
        outstandingCents: 5000,
      }),
    ]);
  });
});

describe('weekly summary 2026-12-09 … 12-15', () => {
  it('brings the period together', () => {
    const report = weeklyReport(data, PERIOD, AS_OF);
    expect({
      ...report,
      whatChanged: {
        ...report.whatChanged,
        changes: report.whatChanged.changes.map((c) => [c.leaseId, c.type, c.scanAsOf]),
      },
    }).toEqual({
      from: '2026-12-09',
      to: '2026-12-15',
      asOf: '2026-12-15',
      // L5's case opened 12-11; L3's closed 12-14 (paid); five open at the end.
      cases: { opened: 1, closed: 1, closedByOutcome: { paid: 1 }, openAtEnd: 5 },
      recovery: { recoveredCents: 382500, paymentsCents: 382500, collectionRate: 0.281 },
      promises: {
        made: 4,
        kept: 2,
        broken: 1,
        open: 1,
        released: 0,
        promisedCents: 568500,
        keptRate: 0.6667,
      },
      notices: {
        sent: 7,
        delivered: 2,
        failed: 1,
        bounced: 1,
        returned: 1,
        unknown: 1,
        pending: 1,
        deliveryRate: 0.2857,
      },
      fees: { assessedCents: 7500, collectedCents: 2500, waivedCents: 5000 },
      disputes: 1, // L2, 12-13
      hardship: 1, // L3, 12-12
      // On 12-15: L1 partial payment (medium); L2 dispute (high) and partial payment
      // (medium); S1 promise, two recent payments (low) and partial payment (medium).
      exceptions: { rows: 7, leases: 3, bySeverity: { high: 1, medium: 3, low: 3 } },
      whatChanged: {
        scans: 2, // the scan of 12-08 is before the period
        byType: {
          lease_added: 0,
          lease_removed: 0,
          case_opened: 0,
          case_closed: 1,
          payment_received: 1,
          balance_changed: 0,
          reply_received: 0,
          hold_started: 1,
          hold_expired: 0,
          promise_kept: 0,
          promise_broken: 0,
          readiness_changed: 0,
        },
        changes: [
          ['L1', 'payment_received', '2026-12-10T17:00:00.000Z'],
          ['L2', 'hold_started', '2026-12-14T17:00:00.000Z'],
          ['L3', 'case_closed', '2026-12-14T17:00:00.000Z'],
        ],
      },
    });
    const csv = parseCsv(weeklyReportCsv(report));
    expect(csv[0]).toEqual(['section', 'metric', 'unit', 'value']);
    expect(csv).toContainEqual(['recovery', 'recovered', 'USD', '3825.00']);
    expect(csv).toContainEqual(['cases', 'closed: paid', 'count', '1']);
    expect(csv).toContainEqual(['notices', 'delivery rate', 'ratio', '0.2857']);
  });
});

describe('owner report on 2026-12-15', () => {
  const report = ownerReport(data, AS_OF);

  it('ages each owner’s properties and narrates every balance over 60 days', () => {
    // O1 (Oak Court): L1 90+ = fee $50 (131 days) + September $1,500 (105), 61–90 October
    // $1,500, 31–60 November, 1–30 December; L2 1–30 $1,200; L5 1–30 $1,100 and the $75 fee
    // due today (current); L4 90+ $900.
    // O2 (Arroyo Storage): S1 61–90 $95 (what is left of October), 31–60 $195, 1–30 $195.
    expect(
      report.owners.map((o) => [
        o.ownerId,
        o.buckets,
        o.totalCents,
        o.pastDueCents,
        o.delinquentLeases,
      ]),
    ).toEqual([
      [
        'O1',
        { current: 7500, '1-30': 380000, '31-60': 150000, '61-90': 150000, '90+': 245000 },
        932500,
        925000,
        4,
      ],
      [
        'O2',
        { current: 0, '1-30': 19500, '31-60': 19500, '61-90': 9500, '90+': 0 },
        48500,
        48500,
        1,
      ],
    ]);
    expect(report.owners[0]!.narratives).toEqual([
      'Unit 12B: $1,550.00 more than 90 days past due and $1,500.00 61–90 days past due; 3-day notice served on 2026-08-10, filing pending approval',
      'Unit 7D: $900.00 more than 90 days past due; placed with a collections agency on 2026-11-02',
    ]);
    expect(report.owners[1]!.narratives).toEqual([
      'Unit C-208: $95.00 61–90 days past due; Preliminary lien notice served on 2026-12-10, lien sale on 2026-12-28 pending approval, promised $485.00 by 2026-12-20',
    ]);
    expect(report.owners[0]!.leases.map((l) => [l.leaseId, l.legalStatus])).toEqual([
      ['L1', '3-day notice served on 2026-08-10, filing pending approval'],
      // The certified copy came back; the first-class copy went 12-09.
      ['L2', '3-day notice served on 2026-12-09, disputed since 2026-12-13'],
      ['L5', 'no notice served yet (stage: Friendly reminder)'],
      ['L4', 'placed with a collections agency on 2026-11-02'],
    ]);
  });

  it('ties out to the aging report and to the ledger, to the cent', () => {
    const aging = agingReport(data.portfolio, AS_OF);
    expect(report.totals).toEqual({
      owners: 2,
      buckets: aging.buckets,
      unappliedCreditCents: aging.unappliedCreditCents,
      totalCents: aging.totalCents,
      pastDueCents: 973500,
      delinquentLeases: 5,
    });
    expect(ownerReport(data, AS_OF, { ownerId: 'O2' }).owners.map((o) => o.ownerId)).toEqual([
      'O2',
    ]);
  });

  it('writes CSV: one line per delinquent lease, a total per owner, the total', () => {
    const rows = parseCsv(ownerReportCsv(report));
    expect(rows.map((r) => [r[0], r[3], r[11]])).toEqual([
      ['ownerId', 'leaseId', 'total'],
      ['O1', 'L1', '6050.00'],
      ['O1', 'L2', '1200.00'],
      ['O1', 'L5', '1175.00'],
      ['O1', 'L4', '900.00'],
      ['TOTAL O1', '', '9325.00'],
      ['O2', 'S1', '485.00'],
      ['TOTAL O2', '', '485.00'],
      ['TOTAL', '', '9810.00'],
    ]);
    expect(rows[2]![5]).toBe(`'${HOSTILE}`);
  });
});

describe('aging on the fixture', () => {
  it('ties out to the ledger to the cent, lease by lease', () => {
    // Independently of R1: charges − payments, credits and write-offs in effect, leaving
    // out reversals and what they reverse.
    const reversed = new Set(
      data.portfolio.ledger.filter((e) => e.type === 'reversal').map((e) => e.reverses),
    );
    const balance = new Map<string, number>();
    for (const e of data.portfolio.ledger) {
      if (e.date > AS_OF || e.type === 'reversal' || reversed.has(e.id)) continue;
      const sign = e.type === 'charge' ? 1 : -1;
      balance.set(e.leaseId, (balance.get(e.leaseId) ?? 0) + sign * e.amountCents);
    }
    const aging = agingReport(data.portfolio, AS_OF);
    for (const r of aging.rows) expect(r.totalCents).toBe(balance.get(r.leaseId));
    // L1 6,050 + L2 1,200 + L5 1,175 + L4 900 + S1 485 (+ L3 0) = 9,810.00
    expect(aging.totalCents).toBe(981000);
    expect([...balance.values()].reduce((s, v) => s + v, 0)).toBe(981000);
    expect(agingReportCsv(aging).split('\n').at(-2)).toBe(
      'TOTAL,,,,,75.00,3995.00,1695.00,1595.00,2450.00,0.00,9810.00',
    );
  });
});

describe('CSV is formula-injection safe in every report', () => {
  const csvs: [string, string][] = [
    ['aging', agingReportCsv(agingReport(data.portfolio, AS_OF))],
    ['delinquency', delinquencyReportCsv(delinquencyReport(data, AS_OF))],
    ['pipeline', pipelineReportCsv(pipelineReport(data, AS_OF))],
    ['promises', promisesReportCsv(promisesReport(data, PERIOD, AS_OF))],
    ['collections', collectionsReportCsv(collectionsReport(data, PERIOD))],
    ['notices', noticesReportCsv(noticesReport(data, PERIOD))],
    ['fees', feesReportCsv(feesReport(data, PERIOD))],
    ['weekly', weeklyReportCsv(weeklyReport(data, PERIOD, AS_OF))],
    ['owner', ownerReportCsv(ownerReport(data, AS_OF))],
  ];
  for (const [name, csv] of csvs)
    it(`${name}: no cell starts like a formula, every line has the header's width`, () => {
      const rows = parseCsv(csv);
      expect(csv.endsWith('\n')).toBe(true);
      for (const row of rows) {
        expect(row).toHaveLength(rows[0]!.length);
        for (const cell of row) {
          if (/^-\d+\.\d\d$/.test(cell)) continue; // a negative amount is a number
          expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
    });

  it('the hostile tenant is a quoted text cell wherever a tenant is named', () => {
    for (const [name, csv] of csvs)
      if (['aging', 'delinquency', 'promises', 'owner'].includes(name))
        expect(csv, name).toContain(`"'=HYPERLINK(""http://evil.example"",""pay here"")"`);
  });

  it('cells: text escaped, numbers plain, money in units, rates to four decimals', () => {
    expect(csvCell('+1 415')).toBe("'+1 415");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('\tTAB')).toBe("'\tTAB");
    expect(csvCell('\rCR')).toBe('"\'\rCR"');
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(money(-2505))).toBe('-25.05');
    expect(csvCell(rate(1 / 3))).toBe('0.3333');
    expect(csvCell(rate(null))).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvTable(['a', '=b'], [['x', 1]])).toBe("a,'=b\nx,1\n");
  });
});

describe('report documents (what the PDF draws)', () => {
  it('every report lays out its title, organisation, scope and tables', () => {
    const docs = [
      agingReportDocument(agingReport(data.portfolio, AS_OF), ORGANISATION),
      delinquencyReportDocument(delinquencyReport(data, AS_OF), ORGANISATION),
      pipelineReportDocument(pipelineReport(data, AS_OF), ORGANISATION),
      promisesReportDocument(promisesReport(data, PERIOD, AS_OF), ORGANISATION),
      collectionsReportDocument(collectionsReport(data, PERIOD), ORGANISATION),
      noticesReportDocument(noticesReport(data, PERIOD), ORGANISATION),
      feesReportDocument(feesReport(data, PERIOD), ORGANISATION),
      weeklyReportDocument(weeklyReport(data, PERIOD, AS_OF), ORGANISATION),
      ownerReportDocument(ownerReport(data, AS_OF), ORGANISATION),
    ];
    expect(docs.map((d) => [d.title, d.scope, d.date])).toEqual([
      ['Aging', 'As of 2026-12-15', AS_OF],
      ['Delinquency detail', 'As of 2026-12-15', AS_OF],
      ['Case pipeline', 'As of 2026-12-15', AS_OF],
      ['Promises to pay', '2026-12-09 to 2026-12-15', AS_OF],
      ['Collections', '2026-12-09 to 2026-12-15', AS_OF],
      ['Notices sent', '2026-12-09 to 2026-12-15', AS_OF],
      ['Fees', '2026-12-09 to 2026-12-15', AS_OF],
      ['Weekly summary', '2026-12-09 to 2026-12-15', AS_OF],
      ['Owner report', 'As of 2026-12-15', AS_OF],
    ]);
    for (const d of docs) {
      expect(d.organisation).toBe(ORGANISATION);
      for (const b of d.blocks)
        if (b.kind === 'table')
          for (const row of [...b.rows, ...(b.total ? [b.total] : [])])
            expect(row).toHaveLength(b.columns.length);
    }
  });
});

describe('attribution (which entry paid which charge)', () => {
  const entry = fc.record({
    type: fc.constantFrom('charge', 'payment', 'credit', 'writeoff', 'reversal'),
    day: fc.integer({ min: 1, max: 28 }),
    due: fc.integer({ min: 1, max: 28 }),
    cents: fc.integer({ min: 1, max: 50_000 }),
    applies: fc.integer({ min: 0, max: 12 }),
    reverses: fc.integer({ min: 0, max: 12 }),
    category: fc.constantFrom('rent', 'fee', 'deposit'),
  });

  it('pays every charge exactly as R1 allocation does', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (raw) => {
        const d = (n: number) => `2026-10-${String(n).padStart(2, '0')}`;
        const entries: LedgerEntry[] = raw.map((r, i) => ({
          id: `E${i}`,
          leaseId: 'L1',
          date: d(r.day),
          type: r.type,
          amountCents: r.cents,
          ...(r.type === 'charge'
            ? { dueDate: d(r.due), category: r.category }
            : r.type === 'reversal'
              ? { reverses: `E${r.reverses}` }
              : r.applies < raw.length
                ? { appliesTo: `E${r.applies}` }
                : {}),
        }));
        const a = attribute(entries);
        const r1 = allocate(entries);
        expect(a.unpaid).toEqual(r1.unpaid);
        expect(a.unappliedCents).toBe(r1.unappliedCents);
        const paid = new Map<string, number>();
        for (const x of a.applications)
          paid.set(x.charge.id, (paid.get(x.charge.id) ?? 0) + x.cents);
        for (const c of a.charges)
          expect((paid.get(c.id) ?? 0) + a.unpaid.get(c.id)!).toBe(c.amountCents);
      }),
    );
  });

  it('spends the pool first in, first out', () => {
    const a = attribute([
      {
        id: 'C1',
        leaseId: 'L1',
        date: '2026-10-01',
        type: 'charge',
        amountCents: 100,
        dueDate: '2026-10-01',
      },
      {
        id: 'C2',
        leaseId: 'L1',
        date: '2026-11-01',
        type: 'charge',
        amountCents: 100,
        dueDate: '2026-11-01',
      },
      { id: 'P2', leaseId: 'L1', date: '2026-11-05', type: 'payment', amountCents: 100 },
      { id: 'P1', leaseId: 'L1', date: '2026-10-05', type: 'payment', amountCents: 50 },
    ]);
    expect(a.applications.map((x) => [x.entry.id, x.charge.id, x.cents])).toEqual([
      ['P1', 'C1', 50],
      ['P2', 'C1', 50],
      ['P2', 'C2', 50],
    ]);
  });
});

describe('report period', () => {
  it('defaults to the seven days ending on --at; refuses a reversed or future period', () => {
    expect(reportPeriod('2026-12-15')).toEqual({ ok: true, period: PERIOD });
    expect(reportPeriod('2026-12-15', '2026-12-01')).toEqual({
      ok: true,
      period: { from: '2026-12-01', to: '2026-12-15' },
    });
    expect(reportPeriod('2026-12-15', undefined, '2026-12-10')).toEqual({
      ok: true,
      period: { from: '2026-12-04', to: '2026-12-10' },
    });
    const bad = reportPeriod('2026-12-15', '2026-12-20', '2026-12-16');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((i) => i.path)).toEqual(['--from', '--to']);
  });
});
