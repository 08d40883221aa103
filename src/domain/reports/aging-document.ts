/**
 * The aging report (aging-report.ts) laid out for the PDF: totals by bucket, then one line
 * per lease. Its JSON and CSV are aging-report.ts's own (SPEC 9's exact shape). Pure.
 */
import { AGING_BUCKETS } from '../ledger/aging.js';
import type { AgingReport } from './aging-report.js';
import { asOfScope, left, right, usd, type ReportDocument } from './document.js';

export function agingReportDocument(report: AgingReport, organisation: string): ReportDocument {
  const header = (b: string) => (b === 'current' ? 'Current' : `${b} days`);
  return {
    title: 'Aging',
    organisation,
    scope: asOfScope(report.asOf),
    date: report.asOf,
    summary: [
      ...AGING_BUCKETS.map((b) => ({ label: header(b), value: usd(report.buckets[b]) })),
      { label: 'Unapplied credit', value: usd(report.unappliedCreditCents) },
      { label: 'Total (the ledger balance)', value: usd(report.totalCents) },
    ],
    blocks: [
      {
        kind: 'table',
        columns: [
          left('Lease', 0.8),
          left('Tenant', 1.4),
          left('Property / unit', 1.4),
          ...AGING_BUCKETS.map((b) => right(header(b))),
          right('Credit'),
          right('Total'),
        ],
        rows: report.rows.map((r) => [
          r.leaseId,
          r.tenant,
          `${r.property} ${r.unit}`.trim(),
          ...AGING_BUCKETS.map((b) => usd(r.buckets[b])),
          usd(r.unappliedCreditCents),
          usd(r.totalCents),
        ]),
        total: [
          'Total',
          '',
          '',
          ...AGING_BUCKETS.map((b) => usd(report.buckets[b])),
          usd(report.unappliedCreditCents),
          usd(report.totalCents),
        ],
        empty: 'No lease has a balance.',
      },
    ],
  };
}
