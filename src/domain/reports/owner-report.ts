/**
 * The owner report of SPEC 8: per owner (the properties' `ownerId`), their properties'
 * aging on `asOf` (aging-report.ts, so it ties out to the ledger to the cent), their
 * delinquent leases, and for every balance more than 60 days past due a plain-language
 * narrative with its legal status, e.g.
 *
 *   Unit 12B: $3,000.00 more than 90 days past due; 3-day notice to pay rent or quit served
 *   on 2026-10-16, filing pending approval
 *
 * A delinquent lease here is one with an aged (1–30 … 90+) balance, every category counted
 * as the aging report counts it.
 *
 * Legal status of a lease on `asOf`, from its open case's outbox items planned by then and
 * the holds in force, in this order:
 * - each notice (document stage): `served on D` (the proof of service's date, else the day
 *   it was sent), `returned undelivered` (re-serve), `awaiting approval`, or `approved, not
 *   yet sent`;
 * - a hand-off to counsel (`escalate` to legal): `filing pending approval`, `referral to
 *   counsel approved`, `referred to counsel on D`, or `filing not approved`;
 * - a hand-off to a collections agency: `collections placement pending approval`,
 *   `placed with a collections agency on D` (or approved);
 * - a lien sale (`auction`): `lien sale on D pending approval`, `lien sale scheduled for D`;
 * - holds in force: bankruptcy (collection stayed), legal hold, dispute, payment plan,
 *   promise, military;
 * - with none of those: `no notice served yet` (and the current stage), or `no open case`.
 *
 * Owners in id order, a property with no owner last (`ownerId: null`). Leases by total
 * descending then lease id, as in the aging report. Pure.
 */
import type { LocalDate } from '../dates.js';
import { AGING_BUCKETS, emptyBuckets, type AgingBuckets } from '../ledger/aging.js';
import type { Cents } from '../money.js';
import { agingReport, type AgingRow } from './aging-report.js';
import { cmp, GONE_AHEAD, ReportIndex } from './common.js';
import { csvTable, money, type CsvCell } from './csv.js';
import { asOfScope, left, right, usd, type ReportBlock, type ReportDocument } from './document.js';
import type { OutboxRecord, ReportData } from './report-data.js';

export interface OwnerLease {
  leaseId: string;
  tenant: string;
  property: string;
  propertyId: string;
  unit: string;
  buckets: AgingBuckets;
  /** Aged: 1–30 through 90+. */
  pastDueCents: Cents;
  totalCents: Cents;
  openCase: { episode: number; opened: LocalDate } | null;
  stage: string | null;
  legalStatus: string;
  /** For a balance more than 60 days past due; else null. */
  narrative: string | null;
}

export interface OwnerProperty {
  propertyId: string;
  property: string;
  buckets: AgingBuckets;
  unappliedCreditCents: Cents;
  totalCents: Cents;
  delinquentLeases: number;
}

interface OwnerFigures {
  buckets: AgingBuckets;
  unappliedCreditCents: Cents;
  totalCents: Cents;
  pastDueCents: Cents;
  delinquentLeases: number;
}

export interface OwnerSection extends OwnerFigures {
  ownerId: string | null;
  properties: OwnerProperty[];
  leases: OwnerLease[];
  narratives: string[];
}

export interface OwnerReport {
  asOf: LocalDate;
  totals: OwnerFigures & { owners: number };
  owners: OwnerSection[];
}

const PAST_DUE = AGING_BUCKETS.filter((b) => b !== 'current');

function agedCents(b: AgingBuckets): Cents {
  let s = 0;
  for (const k of PAST_DUE) s += b[k];
  return s;
}

function zeroFigures(): OwnerFigures {
  return {
    buckets: emptyBuckets(),
    unappliedCreditCents: 0,
    totalCents: 0,
    pastDueCents: 0,
    delinquentLeases: 0,
  };
}

function addRow(into: OwnerFigures | OwnerProperty, r: AgingRow): void {
  for (const b of AGING_BUCKETS) into.buckets[b] += r.buckets[b];
  into.unappliedCreditCents += r.unappliedCreditCents;
  into.totalCents += r.totalCents;
  const aged = agedCents(r.buckets);
  if ('pastDueCents' in into) into.pastDueCents += aged;
  if (aged > 0) into.delinquentLeases++;
}

export function ownerReport(
  data: ReportData,
  asOf: LocalDate,
  options: { ownerId?: string } = {},
): OwnerReport {
  const ix = new ReportIndex(data);
  const aging = agingReport(data.portfolio, asOf);
  const rowsByProperty = new Map<string, AgingRow[]>();
  for (const r of aging.rows) {
    const list = rowsByProperty.get(r.propertyId);
    if (list) list.push(r);
    else rowsByProperty.set(r.propertyId, [r]);
  }
  const status = new LegalStatus(ix, data, asOf);

  const sections = new Map<string, OwnerSection>();
  const properties = [...data.portfolio.properties].sort(
    (a, b) => cmp(a.name, b.name) || cmp(a.id, b.id),
  );
  for (const p of properties) {
    const ownerId = p.ownerId ?? null;
    if (options.ownerId !== undefined && ownerId !== options.ownerId) continue;
    const key = ownerId ?? '\uffff';
    let section = sections.get(key);
    if (!section) {
      section = { ownerId, ...zeroFigures(), properties: [], leases: [], narratives: [] };
      sections.set(key, section);
    }
    const prop: OwnerProperty = {
      propertyId: p.id,
      property: p.name,
      buckets: emptyBuckets(),
      unappliedCreditCents: 0,
      totalCents: 0,
      delinquentLeases: 0,
    };
    for (const r of rowsByProperty.get(p.id) ?? []) {
      addRow(prop, r);
      addRow(section, r);
      const aged = agedCents(r.buckets);
      if (aged <= 0) continue;
      const open = ix.openCase(r.leaseId, asOf);
      const legalStatus = status.of(r.leaseId);
      const over60 = r.buckets['61-90'] + r.buckets['90+'];
      section.leases.push({
        leaseId: r.leaseId,
        tenant: r.tenant,
        property: r.property,
        propertyId: r.propertyId,
        unit: r.unit,
        buckets: r.buckets,
        pastDueCents: aged,
        totalCents: r.totalCents,
        openCase: open ? { episode: open.episode, opened: open.opened } : null,
        stage: open ? (ix.currentStage(open, asOf)?.name ?? null) : null,
        legalStatus,
        narrative: over60 > 0 ? narrative(r, legalStatus) : null,
      });
    }
    section.properties.push(prop);
  }

  const owners = [...sections.entries()].sort(([a], [b]) => cmp(a, b)).map(([, s]) => s);
  const totals = { owners: owners.length, ...zeroFigures() };
  for (const s of owners) {
    s.leases.sort((a, b) => b.totalCents - a.totalCents || cmp(a.leaseId, b.leaseId));
    s.narratives = s.leases.flatMap((l) => (l.narrative !== null ? [l.narrative] : []));
    for (const b of AGING_BUCKETS) totals.buckets[b] += s.buckets[b];
    totals.unappliedCreditCents += s.unappliedCreditCents;
    totals.totalCents += s.totalCents;
    totals.pastDueCents += s.pastDueCents;
    totals.delinquentLeases += s.delinquentLeases;
  }
  return { asOf, totals, owners };
}

/** `Unit 12B: $3,000.00 more than 90 days past due; <legal status>`. */
export function narrative(r: AgingRow, legalStatus: string): string {
  const parts: string[] = [];
  if (r.buckets['90+'] > 0) parts.push(`${usd(r.buckets['90+'])} more than 90 days past due`);
  if (r.buckets['61-90'] > 0) parts.push(`${usd(r.buckets['61-90'])} 61–90 days past due`);
  const who = r.unit !== '' ? `Unit ${r.unit}` : `Lease ${r.leaseId}`;
  return `${who}: ${parts.join(' and ')}; ${legalStatus}`;
}

const RETURN = /^(returned|refused|unclaimed)/;

class LegalStatus {
  private readonly sentOn = new Map<string, LocalDate>();
  private readonly proofs = new Map<string, { servedOn: LocalDate | null; status: string }[]>();

  constructor(
    private readonly ix: ReportIndex,
    private readonly data: ReportData,
    private readonly asOf: LocalDate,
  ) {
    for (const t of [...data.transitions].sort((a, b) => cmp(a.at, b.at) || a.seq - b.seq)) {
      if ((t.to !== 'sent' && t.to !== 'delivered') || this.sentOn.has(t.key)) continue;
      const item = ix.item(t.key);
      if (item) this.sentOn.set(t.key, ix.localDate(t.at, item.leaseId));
    }
    for (const p of data.proofs) {
      const list = this.proofs.get(p.outboxKey);
      const entry = { servedOn: p.servedOn, status: p.status };
      if (list) list.push(entry);
      else this.proofs.set(p.outboxKey, [entry]);
    }
  }

  /** The day an item went out, if it had by `asOf`. */
  private wentOut(i: OutboxRecord): LocalDate | undefined {
    if (i.status !== 'sent' && i.status !== 'delivered' && i.status !== 'failed') return undefined;
    const proofDates = (this.proofs.get(i.key) ?? [])
      .map((p) => p.servedOn)
      .filter((d): d is LocalDate => d !== null);
    const d = proofDates.sort()[0] ?? this.sentOn.get(i.key) ?? this.ix.itemDate(i);
    return d <= this.asOf ? d : undefined;
  }

  private returned(i: OutboxRecord): boolean {
    return (
      (i.status === 'failed' && RETURN.test(i.reason ?? '')) ||
      (this.proofs.get(i.key) ?? []).some((p) => p.status === 'returned')
    );
  }

  of(leaseId: string): string {
    const ix = this.ix;
    const parts: string[] = [];
    const open = ix.openCase(leaseId, this.asOf);
    if (open) {
      const items = ix
        .reachedItems(open, this.asOf)
        .sort((a, b) => cmp(ix.itemDate(a), ix.itemDate(b)) || cmp(a.key, b.key));
      const notices = new Map<string, OutboxRecord[]>();
      for (const i of items)
        if (i.type === 'document') {
          const k = `${i.stage}\u0000${i.action}`;
          const list = notices.get(k);
          if (list) list.push(i);
          else notices.set(k, [i]);
        }
      for (const list of notices.values()) {
        const name = ix.stage(leaseId, list[0]!.stage, open).name;
        const served = list
          .map((i) => (this.returned(i) ? undefined : this.wentOut(i)))
          .filter((d): d is LocalDate => d !== undefined)
          .sort();
        if (served.length > 0) parts.push(`${name} served on ${served[0]}`);
        else if (list.some((i) => this.returned(i)))
          parts.push(`${name} returned undelivered (to be served again)`);
        else if (list.some((i) => i.status === 'draft')) parts.push(`${name} awaiting approval`);
        else if (list.some((i) => i.status === 'approved' || i.status === 'dispatching'))
          parts.push(`${name} approved, not yet sent`);
      }
      for (const i of items) {
        if (i.type === 'escalate' && i.payload.to === 'legal') {
          if (i.status === 'draft') parts.push('filing pending approval');
          else if (i.status === 'rejected') parts.push('filing not approved');
          else if (i.status === 'approved' || i.status === 'dispatching')
            parts.push('referral to counsel approved');
          else {
            const d = this.wentOut(i);
            if (d) parts.push(`referred to counsel on ${d}`);
          }
        } else if (i.type === 'escalate' && i.payload.to === 'collections_agency') {
          if (i.status === 'draft') parts.push('collections placement pending approval');
          else if (GONE_AHEAD.has(i.status)) {
            const d = this.wentOut(i);
            parts.push(
              d ? `placed with a collections agency on ${d}` : 'collections placement approved',
            );
          }
        } else if (i.type === 'auction') {
          const sale = i.payload.saleDate ?? ix.itemDate(i);
          if (i.status === 'draft') parts.push(`lien sale on ${sale} pending approval`);
          else if (GONE_AHEAD.has(i.status)) parts.push(`lien sale scheduled for ${sale}`);
        }
      }
    }
    const facts = ix.facts(leaseId, this.asOf);
    for (const h of facts?.holdsInForce ?? []) {
      if (h.scope === 'charge') continue;
      if (h.type === 'bankruptcy') parts.push(`collection stayed by bankruptcy since ${h.start}`);
      else if (h.type === 'legal') parts.push(`legal hold since ${h.start}`);
      else if (h.type === 'dispute') parts.push(`disputed since ${h.start}`);
      else if (h.type === 'payment_plan') parts.push(`on a payment plan since ${h.start}`);
      else if (h.type === 'promise' && h.promise)
        parts.push(`promised ${usd(h.promise.amountCents)} by ${h.until ?? '?'}`);
      else if (h.type === 'military') parts.push(`military status under review since ${h.start}`);
    }
    if (parts.length > 0) return parts.join(', ');
    if (!open) return 'no open case';
    const stage = ix.currentStage(open, this.asOf);
    return stage ? `no notice served yet (stage: ${stage.name})` : 'no notice served yet';
  }
}

// ---------------------------------------------------------------------- CSV and PDF

/** One line per delinquent lease (with its owner), then a total per owner and the total. */
export function ownerReportCsv(report: OwnerReport): string {
  const header = [
    'ownerId',
    'propertyId',
    'property',
    'leaseId',
    'unit',
    'tenant',
    ...AGING_BUCKETS,
    'total',
    'caseEpisode',
    'stage',
    'legalStatus',
    'narrative',
  ];
  const rows: CsvCell[][] = [];
  for (const o of report.owners) {
    for (const l of o.leases)
      rows.push([
        o.ownerId,
        l.propertyId,
        l.property,
        l.leaseId,
        l.unit,
        l.tenant,
        ...AGING_BUCKETS.map((b) => money(l.buckets[b])),
        money(l.totalCents),
        l.openCase?.episode ?? null,
        l.stage,
        l.legalStatus,
        l.narrative,
      ]);
    rows.push([
      `TOTAL ${o.ownerId ?? '(no owner)'}`,
      null,
      null,
      null,
      null,
      null,
      ...AGING_BUCKETS.map((b) => money(o.buckets[b])),
      money(o.totalCents),
      null,
      null,
      null,
      null,
    ]);
  }
  rows.push([
    'TOTAL',
    null,
    null,
    null,
    null,
    null,
    ...AGING_BUCKETS.map((b) => money(report.totals.buckets[b])),
    money(report.totals.totalCents),
    null,
    null,
    null,
    null,
  ]);
  return csvTable(header, rows);
}

export function ownerReportDocument(report: OwnerReport, organisation: string): ReportDocument {
  const agingColumns = AGING_BUCKETS.map((b) => right(b === 'current' ? 'Current' : b));
  const blocks: ReportBlock[] = [];
  for (const o of report.owners) {
    const who = o.ownerId ?? 'No owner on file';
    blocks.push({
      kind: 'table',
      heading: `Owner ${who}: aging by property`,
      columns: [left('Property', 2), ...agingColumns, right('Credit'), right('Total')],
      rows: o.properties.map((p) => [
        p.property,
        ...AGING_BUCKETS.map((b) => usd(p.buckets[b])),
        usd(-p.unappliedCreditCents),
        usd(p.totalCents),
      ]),
      total: [
        'Total',
        ...AGING_BUCKETS.map((b) => usd(o.buckets[b])),
        usd(-o.unappliedCreditCents),
        usd(o.totalCents),
      ],
    });
    blocks.push({
      kind: 'table',
      heading: `Owner ${who}: delinquent leases (${o.delinquentLeases})`,
      columns: [
        left('Property / unit', 1.5),
        left('Tenant', 1.3),
        ...agingColumns.slice(1),
        right('Total'),
        left('Legal status', 3),
      ],
      rows: o.leases.map((l) => [
        `${l.property} ${l.unit}`.trim(),
        l.tenant,
        ...PAST_DUE.map((b) => usd(l.buckets[b])),
        usd(l.totalCents),
        l.legalStatus,
      ]),
      empty: 'No lease is past due.',
    });
    blocks.push({
      kind: 'text',
      heading: `Owner ${who}: balances more than 60 days past due`,
      lines: o.narratives.length > 0 ? o.narratives : ['No balance is more than 60 days past due.'],
    });
  }
  const t = report.totals;
  return {
    title: 'Owner report',
    organisation,
    scope: asOfScope(report.asOf),
    date: report.asOf,
    summary: [
      { label: 'Owners', value: String(t.owners) },
      { label: 'Delinquent leases', value: String(t.delinquentLeases) },
      { label: 'Past due (1-30 to 90+)', value: usd(t.pastDueCents) },
      { label: 'More than 60 days past due', value: usd(t.buckets['61-90'] + t.buckets['90+']) },
      { label: 'Balance (aging total)', value: usd(t.totalCents) },
    ],
    blocks,
  };
}
