/**
 * The case pipeline of SPEC 8: cases open on `asOf`, by track (eviction, lien,
 * collections) and, within each, by current stage, with counts and past-due amounts
 * (common.ts defines open case, current stage, track and past due). A case with nothing
 * planned yet sits in the `(no action yet)` stage.
 *
 * Rows: track in TRACKS order, then stage in policy order (a stage id shared by several
 * policies takes its earliest position), then stage id. `byTrack` always lists the three
 * tracks; `cases` lists every open case (oldest first).
 *
 * Pure.
 */
import { daysBetween, type LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import { cmp, ReportIndex, TRACKS, type Track } from './common.js';
import { csvTable, money } from './csv.js';
import { asOfScope, left, right, usd, type ReportDocument } from './document.js';
import type { ReportData } from './report-data.js';

export const NO_STAGE = '(no action yet)';

export interface PipelineCase {
  leaseId: string;
  episode: number;
  opened: LocalDate;
  daysOpen: number;
  tenant: string;
  property: string;
  unit: string;
  track: Track;
  /** Current stage id; null when nothing was planned yet. */
  stage: string | null;
  stageName: string;
  pastDueCents: Cents;
}

export interface PipelineRow {
  track: Track;
  stage: string | null;
  stageName: string;
  cases: number;
  pastDueCents: Cents;
}

export interface PipelineReport {
  asOf: LocalDate;
  totals: { cases: number; pastDueCents: Cents };
  byTrack: { track: Track; cases: number; pastDueCents: Cents }[];
  byStage: { stage: string | null; stageName: string; cases: number; pastDueCents: Cents }[];
  rows: PipelineRow[];
  cases: PipelineCase[];
}

export function pipelineReport(data: ReportData, asOf: LocalDate): PipelineReport {
  const ix = new ReportIndex(data);
  const cases: PipelineCase[] = [];
  const order = new Map<string, number>();
  for (const c of data.cases) {
    if (!(c.opened <= asOf && (c.closed === null || c.closed > asOf))) continue;
    const lease = ix.leases.get(c.leaseId);
    if (!lease) continue;
    const stage = ix.currentStage(c, asOf);
    if (stage) order.set(stage.id, Math.min(order.get(stage.id) ?? Infinity, stage.order));
    cases.push({
      leaseId: c.leaseId,
      episode: c.episode,
      opened: c.opened,
      daysOpen: daysBetween(c.opened, asOf),
      tenant: ix.tenantName(lease),
      property: ix.propertyName(lease),
      unit: lease.unit,
      track: ix.track(c, asOf),
      stage: stage?.id ?? null,
      stageName: stage?.name ?? NO_STAGE,
      pastDueCents: ix.pastDue(c.leaseId, asOf).pastDueCents,
    });
  }
  cases.sort(
    (a, b) => cmp(a.opened, b.opened) || cmp(a.leaseId, b.leaseId) || a.episode - b.episode,
  );

  const stageOrder = (s: string | null) => (s === null ? -1 : (order.get(s) ?? Infinity));
  const byStageKey = (a: { stage: string | null }, b: { stage: string | null }) =>
    stageOrder(a.stage) - stageOrder(b.stage) || cmp(a.stage ?? '', b.stage ?? '');

  const rows = new Map<string, PipelineRow>();
  const stages = new Map<string, PipelineReport['byStage'][number]>();
  const tracks = new Map(TRACKS.map((t) => [t, { track: t, cases: 0, pastDueCents: 0 }]));
  let pastDueCents = 0;
  for (const c of cases) {
    const rk = `${c.track}\u0000${c.stage ?? ''}`;
    const row = rows.get(rk) ?? {
      track: c.track,
      stage: c.stage,
      stageName: c.stageName,
      cases: 0,
      pastDueCents: 0,
    };
    row.cases++;
    row.pastDueCents += c.pastDueCents;
    rows.set(rk, row);
    const sk = c.stage ?? '';
    const st = stages.get(sk) ?? {
      stage: c.stage,
      stageName: c.stageName,
      cases: 0,
      pastDueCents: 0,
    };
    st.cases++;
    st.pastDueCents += c.pastDueCents;
    stages.set(sk, st);
    const t = tracks.get(c.track)!;
    t.cases++;
    t.pastDueCents += c.pastDueCents;
    pastDueCents += c.pastDueCents;
  }
  return {
    asOf,
    totals: { cases: cases.length, pastDueCents },
    byTrack: [...tracks.values()],
    byStage: [...stages.values()].sort(byStageKey),
    rows: [...rows.values()].sort(
      (a, b) => TRACKS.indexOf(a.track) - TRACKS.indexOf(b.track) || byStageKey(a, b),
    ),
    cases,
  };
}

// ---------------------------------------------------------------------- CSV and PDF

/** One line per track × stage, then a subtotal per track and the total. */
export function pipelineReportCsv(report: PipelineReport): string {
  return csvTable(
    ['level', 'track', 'stage', 'stageName', 'cases', 'pastDue'],
    [
      ...report.rows.map((r) => [
        'stage',
        r.track,
        r.stage,
        r.stageName,
        r.cases,
        money(r.pastDueCents),
      ]),
      ...report.byTrack.map((t) => ['track', t.track, null, null, t.cases, money(t.pastDueCents)]),
      ['total', null, null, null, report.totals.cases, money(report.totals.pastDueCents)],
    ],
  );
}

export function pipelineReportDocument(
  report: PipelineReport,
  organisation: string,
): ReportDocument {
  return {
    title: 'Case pipeline',
    organisation,
    scope: asOfScope(report.asOf),
    date: report.asOf,
    summary: [
      { label: 'Open cases', value: String(report.totals.cases) },
      { label: 'Past due in open cases', value: usd(report.totals.pastDueCents) },
      ...report.byTrack.map((t) => ({
        label: `Track: ${t.track}`,
        value: `${t.cases} case${t.cases === 1 ? '' : 's'}, ${usd(t.pastDueCents)}`,
      })),
    ],
    blocks: [
      {
        kind: 'table',
        heading: 'By track and stage',
        columns: [left('Track'), left('Stage', 2.5), right('Cases', 0.6), right('Past due')],
        rows: report.rows.map((r) => [r.track, r.stageName, String(r.cases), usd(r.pastDueCents)]),
        total: ['Total', '', String(report.totals.cases), usd(report.totals.pastDueCents)],
        empty: 'No case is open.',
      },
      {
        kind: 'table',
        heading: 'By stage',
        columns: [left('Stage', 3.5), right('Cases', 0.6), right('Past due')],
        rows: report.byStage.map((s) => [s.stageName, String(s.cases), usd(s.pastDueCents)]),
        total: ['Total', String(report.totals.cases), usd(report.totals.pastDueCents)],
        empty: 'No case is open.',
      },
      {
        kind: 'table',
        heading: 'Open cases',
        columns: [
          left('Lease'),
          left('Tenant', 1.4),
          left('Property / unit', 1.4),
          left('Opened'),
          right('Days', 0.5),
          left('Track', 0.8),
          left('Stage', 1.6),
          right('Past due'),
        ],
        rows: report.cases.map((c) => [
          `${c.leaseId} #${c.episode}`,
          c.tenant,
          `${c.property} ${c.unit}`.trim(),
          c.opened,
          String(c.daysOpen),
          c.track,
          c.stageName,
          usd(c.pastDueCents),
        ]),
        empty: 'No case is open.',
      },
    ],
  };
}
