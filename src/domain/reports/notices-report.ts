/**
 * Notices sent (SPEC 8 "notices sent per channel with delivery rate"): the messages and
 * documents dispatched in the period, per channel and delivery method, and what became of
 * them.
 *
 * An item counts as sent in the period when its dispatch ended there: its first transition
 * out of `dispatching` to `sent`, `delivered`, `failed` or `unknown`, on a local date (the
 * lease's property's time zone) from `from` through `to`. Its outcome is what is known
 * now, from its status, its failure reason and the `delivery` events recorded for its key:
 *
 * - `delivered`: the provider or carrier confirmed delivery;
 * - `returned`: mail came back (returned, refused, unclaimed);
 * - `bounced`: an e-mail bounced or a text was undeliverable;
 * - `failed`: the provider refused it;
 * - `unknown`: the outcome was lost (a non-idempotent provider; SPEC 1.2) and is not
 *   resolved yet, or was resolved by cancelling;
 * - `pending`: accepted, no delivery event yet.
 *
 * `deliveryRate = delivered / sent` (null when nothing was sent). Channel is the message
 * channel (`sms`, `email`, `voice` …) or `mail` for documents; method the delivery method
 * (`certified_mail`, `first_class`, `email` …), else the channel.
 *
 * `notSent` lists the messages and documents that were stopped in the period instead —
 * skipped, cancelled, expired or rejected (a transition to that status dated in the period)
 * — by status and reason (SPEC 1.6: nothing silently dropped).
 *
 * Pure.
 */
import type { LocalDate } from '../dates.js';
import { cmp, inPeriod, ratio, ReportIndex, type Period } from './common.js';
import { csvTable, rate } from './csv.js';
import { left, percent, periodScope, right, type ReportDocument } from './document.js';
import type { OutboxRecord, ReportData } from './report-data.js';

export const NOTICE_OUTCOMES = [
  'delivered',
  'failed',
  'bounced',
  'returned',
  'unknown',
  'pending',
] as const;
export type NoticeOutcome = (typeof NOTICE_OUTCOMES)[number];

export interface NoticeCounts {
  sent: number;
  delivered: number;
  failed: number;
  bounced: number;
  returned: number;
  unknown: number;
  pending: number;
  deliveryRate: number | null;
}

export interface NoticeRow extends NoticeCounts {
  channel: string;
  method: string;
}

export interface NoticeItem {
  key: string;
  leaseId: string;
  type: string;
  channel: string;
  method: string;
  sentOn: LocalDate;
  outcome: NoticeOutcome;
}

export interface NoticesReport {
  from: LocalDate;
  to: LocalDate;
  totals: NoticeCounts;
  rows: NoticeRow[];
  notSent: { status: string; reason: string | null; count: number }[];
  items: NoticeItem[];
}

const DISPATCH_ENDS: ReadonlySet<string> = new Set(['sent', 'delivered', 'failed', 'unknown']);
const STOPPED: ReadonlySet<string> = new Set(['skipped', 'cancelled', 'expired', 'rejected']);

export function channelOf(item: OutboxRecord): string {
  return item.channel ?? (item.type === 'document' ? 'mail' : item.type);
}

export function methodOf(item: OutboxRecord): string {
  return item.method ?? item.channel ?? item.type;
}

/** What became of a dispatched item (see the module comment). */
export function noticeOutcome(
  item: OutboxRecord,
  deliveryStatuses: readonly string[],
): NoticeOutcome {
  const reason = (item.reason ?? '').toLowerCase();
  const said = new Set(deliveryStatuses);
  if (item.status === 'failed' || said.has('returned') || said.has('bounced')) {
    if (said.has('returned') || /^(returned|refused|unclaimed)/.test(reason)) return 'returned';
    if (said.has('bounced') || said.has('undelivered') || /^(bounced|undelivered)/.test(reason))
      return 'bounced';
    if (item.status === 'failed') return 'failed';
  }
  if (item.status === 'delivered') return 'delivered';
  if (item.status === 'sent' || item.status === 'dispatching') return 'pending';
  return 'unknown';
}

function zero(): NoticeCounts {
  return {
    sent: 0,
    delivered: 0,
    failed: 0,
    bounced: 0,
    returned: 0,
    unknown: 0,
    pending: 0,
    deliveryRate: null,
  };
}

export function noticesReport(data: ReportData, period: Period): NoticesReport {
  const ix = new ReportIndex(data);
  const deliveries = new Map<string, string[]>();
  for (const e of data.portfolio.events)
    if (e.type === 'delivery' && e.key !== undefined) {
      const list = deliveries.get(e.key);
      if (list) list.push(e.status);
      else deliveries.set(e.key, [e.status]);
    }
  const byKey = [...data.transitions].sort((a, b) => cmp(a.key, b.key) || a.seq - b.seq);
  const dispatched = new Map<string, LocalDate>();
  const stopped = new Map<string, { status: string; reason: string | null; count: number }>();
  for (const t of byKey) {
    const item = ix.item(t.key);
    if (!item || (item.type !== 'message' && item.type !== 'document')) continue;
    const date = ix.localDate(t.at, item.leaseId);
    if (t.from === 'dispatching' && DISPATCH_ENDS.has(t.to)) {
      if (!dispatched.has(t.key) && inPeriod(date, period)) dispatched.set(t.key, date);
      // A later dispatch of the same item (resent after `unknown`) is not a second notice.
      if (!dispatched.has(t.key)) dispatched.set(t.key, '');
    } else if (STOPPED.has(t.to) && inPeriod(date, period)) {
      const k = `${t.to}\u0000${t.reason ?? ''}`;
      const s = stopped.get(k) ?? { status: t.to, reason: t.reason, count: 0 };
      s.count++;
      stopped.set(k, s);
    }
  }

  const items: NoticeItem[] = [];
  const rows = new Map<string, NoticeRow>();
  const totals = zero();
  for (const [key, sentOn] of dispatched) {
    if (sentOn === '') continue;
    const item = ix.item(key)!;
    const outcome = noticeOutcome(item, deliveries.get(key) ?? []);
    const channel = channelOf(item);
    const method = methodOf(item);
    items.push({ key, leaseId: item.leaseId, type: item.type, channel, method, sentOn, outcome });
    const rk = `${channel}\u0000${method}`;
    const row = rows.get(rk) ?? { channel, method, ...zero() };
    for (const c of [row, totals]) {
      c.sent++;
      c[outcome]++;
      c.deliveryRate = ratio(c.delivered, c.sent);
    }
    rows.set(rk, row);
  }
  items.sort((a, b) => cmp(a.sentOn, b.sentOn) || cmp(a.key, b.key));
  return {
    from: period.from,
    to: period.to,
    totals,
    rows: [...rows.values()].sort((a, b) => cmp(a.channel, b.channel) || cmp(a.method, b.method)),
    notSent: [...stopped.values()].sort(
      (a, b) => cmp(a.status, b.status) || cmp(a.reason ?? '', b.reason ?? ''),
    ),
    items,
  };
}

// ---------------------------------------------------------------------- CSV and PDF

const counts = (c: NoticeCounts) => [
  c.sent,
  c.delivered,
  c.failed,
  c.bounced,
  c.returned,
  c.unknown,
  c.pending,
  rate(c.deliveryRate),
];

export function noticesReportCsv(report: NoticesReport): string {
  return csvTable(
    [
      'channel',
      'method',
      'sent',
      'delivered',
      'failed',
      'bounced',
      'returned',
      'unknown',
      'pending',
      'deliveryRate',
    ],
    [
      ...report.rows.map((r) => [r.channel, r.method, ...counts(r)]),
      ['TOTAL', null, ...counts(report.totals)],
    ],
  );
}

export function noticesReportDocument(report: NoticesReport, organisation: string): ReportDocument {
  const t = report.totals;
  const cells = (c: NoticeCounts) => [
    ...[c.sent, c.delivered, c.failed, c.bounced, c.returned, c.unknown, c.pending].map(String),
    percent(c.deliveryRate),
  ];
  return {
    title: 'Notices sent',
    organisation,
    scope: periodScope(report.from, report.to, report.to),
    date: report.to,
    summary: [
      { label: 'Sent', value: String(t.sent) },
      { label: 'Delivered', value: String(t.delivered) },
      { label: 'Failed, bounced or returned', value: String(t.failed + t.bounced + t.returned) },
      { label: 'Outcome unknown', value: String(t.unknown) },
      { label: 'Awaiting a delivery event', value: String(t.pending) },
      { label: 'Delivery rate (delivered / sent)', value: percent(t.deliveryRate) },
    ],
    blocks: [
      {
        kind: 'table',
        heading: 'By channel and method',
        columns: [
          left('Channel'),
          left('Method', 1.5),
          right('Sent', 0.7),
          right('Delivered', 0.8),
          right('Failed', 0.7),
          right('Bounced', 0.7),
          right('Returned', 0.7),
          right('Unknown', 0.7),
          right('Pending', 0.7),
          right('Delivery rate'),
        ],
        rows: report.rows.map((r) => [r.channel, r.method, ...cells(r)]),
        total: ['Total', '', ...cells(t)],
        empty: 'Nothing was sent in the period.',
      },
      {
        kind: 'table',
        heading: 'Not sent in the period',
        columns: [left('Status'), left('Reason', 3), right('Items', 0.7)],
        rows: report.notSent.map((s) => [s.status, s.reason ?? '', String(s.count)]),
        empty: 'Nothing was skipped, cancelled, expired or rejected.',
      },
    ],
  };
}
