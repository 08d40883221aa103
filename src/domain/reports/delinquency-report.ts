/**
 * The delinquency detail report of SPEC 8: one row per delinquent lease on `asOf` — who,
 * where, how much is past due and since when, the open case with its current stage and
 * track, the lease's readiness (SPEC 5) and the next action with who owns it.
 *
 * A lease is delinquent when something is past due on `asOf` (common.ts) or a case is open.
 * Days past due count from the oldest unpaid past-due charge's due date.
 *
 * The next action, first that applies:
 * 1. no policy covers the lease: apply one (admin);
 * 2. readiness is not `ready` / `current`: the exception list's next action for the most
 *    decisive reason (SPEC 5, readiness/exceptions.ts), its owner and due date;
 * 3. a draft waits for approval: approve it (legal for an escalation to counsel, a manager
 *    for other escalations, collections otherwise), due on its planned date;
 * 4. an approved item waits for dispatch: dispatch (system);
 * 5. an open task of the case: the task, its assignee and due date;
 * 6. otherwise: wait for the policy's next stage (no owner).
 *
 * Rows: past due descending, then lease id. Pure.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import { exceptionList } from '../readiness/exceptions.js';
import { leaseReadiness, type ReadinessState, type ReasonCode } from '../readiness/readiness.js';
import { cmp, ReportIndex, type Track } from './common.js';
import { csvTable, money } from './csv.js';
import { asOfScope, left, right, usd, type ReportDocument } from './document.js';
import type { CaseRecord, OutboxRecord, ReportData } from './report-data.js';

export interface NextAction {
  what: string;
  /** A role or assignee; null when nobody needs to act. */
  owner: string | null;
  due: LocalDate | null;
}

export interface DelinquencyRow {
  leaseId: string;
  tenant: string;
  property: string;
  propertyId: string;
  unit: string;
  pastDueCents: Cents;
  balanceCents: Cents;
  /** Due date of the oldest unpaid past-due charge. */
  oldestDueDate: LocalDate | null;
  daysPastDue: number;
  openCase: { episode: number; opened: LocalDate } | null;
  stage: { id: string; name: string } | null;
  track: Track | null;
  /** Null when no policy covers the lease. */
  readiness: ReadinessState | null;
  /** Readiness reason codes, most decisive first. */
  reasons: ReasonCode[];
  nextAction: NextAction;
}

export interface DelinquencyReport {
  asOf: LocalDate;
  totals: { leases: number; openCases: number; pastDueCents: Cents; balanceCents: Cents };
  rows: DelinquencyRow[];
}

export function delinquencyReport(data: ReportData, asOf: LocalDate): DelinquencyReport {
  const ix = new ReportIndex(data);
  const reported = new Map(data.reportedBalances.map((r) => [r.leaseId, r.cents]));
  const rows: DelinquencyRow[] = [];
  for (const lease of data.portfolio.leases) {
    const pd = ix.pastDue(lease.id, asOf);
    const open = ix.openCase(lease.id, asOf);
    if (pd.pastDueCents <= 0 && !open) continue;
    const input = ix.inputs.get(lease.id);
    const readiness = input
      ? leaseReadiness(input, asOf, {
          ...(pd.facts ? { facts: pd.facts } : {}),
          ...(reported.has(lease.id) ? { reportedBalanceCents: reported.get(lease.id)! } : {}),
        })
      : undefined;
    const stage = open ? ix.currentStage(open, asOf) : null;
    let next: NextAction;
    if (!input || !readiness)
      next = { what: 'Apply a policy that covers this lease', owner: 'admin', due: null };
    else if (readiness.state !== 'ready' && readiness.state !== 'current') {
      const decisive = readiness.reasons[0]!;
      const row =
        exceptionList([{ input, readiness }]).find((r) => r.code === decisive.code) ?? undefined;
      next = row
        ? { what: row.nextAction, owner: row.owner, due: row.due }
        : { what: decisive.detail, owner: null, due: null };
    } else next = waitingWork(ix, data, lease.id, open, asOf);
    rows.push({
      leaseId: lease.id,
      tenant: ix.tenantName(lease),
      property: ix.propertyName(lease),
      propertyId: lease.propertyId,
      unit: lease.unit,
      pastDueCents: pd.pastDueCents,
      balanceCents: pd.balanceCents,
      oldestDueDate: pd.oldest?.dueDate ?? null,
      daysPastDue: ReportIndex.daysPastDue(pd.oldest, asOf),
      openCase: open ? { episode: open.episode, opened: open.opened } : null,
      stage: stage ? { id: stage.id, name: stage.name } : null,
      track: open ? ix.track(open, asOf) : null,
      readiness: readiness?.state ?? null,
      reasons: readiness?.reasons.map((r) => r.code) ?? [],
      nextAction: next,
    });
  }
  rows.sort((a, b) => b.pastDueCents - a.pastDueCents || cmp(a.leaseId, b.leaseId));
  let pastDueCents = 0;
  let balanceCents = 0;
  for (const r of rows) {
    pastDueCents += r.pastDueCents;
    balanceCents += r.balanceCents;
  }
  return {
    asOf,
    totals: {
      leases: rows.length,
      openCases: rows.filter((r) => r.openCase !== null).length,
      pastDueCents,
      balanceCents,
    },
    rows,
  };
}

function approver(item: OutboxRecord): string {
  if (item.type === 'escalate') return item.payload.to === 'legal' ? 'legal' : 'manager';
  return 'collections';
}

function waitingWork(
  ix: ReportIndex,
  data: ReportData,
  leaseId: string,
  open: CaseRecord | undefined,
  asOf: LocalDate,
): NextAction {
  const items = open
    ? [...ix.items(leaseId, open.episode)].sort(
        (a, b) => cmp(ix.itemDate(a), ix.itemDate(b)) || cmp(a.key, b.key),
      )
    : [];
  const label = (i: OutboxRecord) =>
    `${ix.stage(leaseId, i.stage, open).name}: ${i.payload.title ?? i.action}`;
  const draft = items.find((i) => i.status === 'draft');
  if (draft)
    return { what: `Approve ${label(draft)}`, owner: approver(draft), due: ix.itemDate(draft) };
  const approved = items.find((i) => i.status === 'approved' || i.status === 'dispatching');
  if (approved)
    return {
      what: `Dispatch ${label(approved)}`,
      owner: 'system',
      due: ix.itemDate(approved) > asOf ? ix.itemDate(approved) : asOf,
    };
  const task = data.tasks
    .filter(
      (t) =>
        t.status === 'open' &&
        t.leaseId === leaseId &&
        (t.episode === null || t.episode === open?.episode),
    )
    .sort((a, b) => cmp(a.dueDate ?? '9999', b.dueDate ?? '9999') || cmp(a.id, b.id))[0];
  if (task) return { what: task.title, owner: task.assignee, due: task.dueDate };
  return { what: "Wait for the policy's next stage", owner: null, due: null };
}

// ---------------------------------------------------------------------- CSV and PDF

/** `Approve …: sms (collections, by 2026-12-13)` */
export function nextActionText(n: NextAction): string {
  const who = [n.owner, n.due !== null ? `by ${n.due}` : null].filter((x) => x !== null);
  return who.length > 0 ? `${n.what} (${who.join(', ')})` : n.what;
}

export const DELINQUENCY_CSV_HEADER = [
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
] as const;

export function delinquencyReportCsv(report: DelinquencyReport): string {
  return csvTable(DELINQUENCY_CSV_HEADER, [
    ...report.rows.map((r) => [
      r.leaseId,
      r.tenant,
      r.property,
      r.propertyId,
      r.unit,
      money(r.pastDueCents),
      money(r.balanceCents),
      r.oldestDueDate,
      r.daysPastDue,
      r.openCase?.episode ?? null,
      r.openCase?.opened ?? null,
      r.stage?.name ?? null,
      r.track,
      r.readiness,
      r.reasons.join(' '),
      r.nextAction.what,
      r.nextAction.owner,
      r.nextAction.due,
    ]),
    [
      'TOTAL',
      '',
      '',
      '',
      '',
      money(report.totals.pastDueCents),
      money(report.totals.balanceCents),
      ...Array<null>(11).fill(null),
    ],
  ]);
}

export function delinquencyReportDocument(
  report: DelinquencyReport,
  organisation: string,
): ReportDocument {
  return {
    title: 'Delinquency detail',
    organisation,
    scope: asOfScope(report.asOf),
    date: report.asOf,
    summary: [
      { label: 'Delinquent leases', value: String(report.totals.leases) },
      { label: 'Open cases', value: String(report.totals.openCases) },
      { label: 'Past due', value: usd(report.totals.pastDueCents) },
      { label: 'Balance', value: usd(report.totals.balanceCents) },
    ],
    blocks: [
      {
        kind: 'table',
        columns: [
          left('Tenant', 1.4),
          left('Property / unit', 1.4),
          right('Past due'),
          left('Oldest due'),
          right('Days', 0.5),
          left('Case / stage', 1.5),
          left('Readiness'),
          left('Next action', 2.2),
        ],
        rows: report.rows.map((r) => [
          r.tenant,
          `${r.property} ${r.unit}`.trim(),
          usd(r.pastDueCents),
          r.oldestDueDate ?? '',
          String(r.daysPastDue),
          r.openCase
            ? `#${r.openCase.episode} since ${r.openCase.opened}${r.stage ? `: ${r.stage.name}` : ''}${r.track ? ` (${r.track})` : ''}`
            : 'no open case',
          r.readiness ?? 'no policy',
          nextActionText(r.nextAction),
        ]),
        total: [
          `Total: ${report.totals.leases} leases`,
          '',
          usd(report.totals.pastDueCents),
          '',
          '',
          '',
          '',
          '',
        ],
        empty: 'No lease is delinquent.',
      },
    ],
  };
}
