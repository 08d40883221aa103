/**
 * Scheduled report delivery (SPEC 8: "the weekly owner report by e-mail, Monday 08:00
 * owner-local"). A schedule names a report (`owner`, `aging` or `weekly`), for the owner
 * report optionally one owner, the recipients, a cron pattern (default `0 8 * * 1`) and the
 * IANA time zone the pattern is read in (default: the zone of the owner's first property).
 *
 * `deliverScheduledReports` runs every due schedule once (`arrears report deliver`, and each
 * pass of `arrears worker`). A schedule's due slot is croner's next run after the slot last
 * delivered (or after the schedule was created), read in the schedule's zone. When the slot
 * is at or before now, it is claimed — `last_run_at` moves forward to the slot only if it is
 * still before it, atomically, so two workers never deliver one slot twice — then the report
 * is built as of the slot's local date, rendered as a PDF and handed to the mailer, and the
 * delivery is audited (`report.delivered`: ids, counts, totals and the PDF's sha256; never an
 * address). A send that fails gives the claim back (`report.failed`) so the next pass tries
 * again.
 *
 * Late slots: a slot missed by more than a day (the worker was down over the weekend …) is
 * skipped — claimed and audited as `report.skipped` — rather than sent late: a "Monday
 * 08:00" report arriving on Thursday with Monday's figures misleads more than it informs,
 * and the next slot brings fresh figures. Of several due slots only the latest can be sent;
 * the earlier ones are skipped the same way.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import type { AuditInput } from '../domain/audit/chain.js';
import { InputError, type InputIssue } from '../domain/errors.js';
import { epochToLocal } from '../domain/time.js';
import { portfolioTimezone } from '../domain/reports/common.js';
import type { ReportDocument } from '../domain/reports/document.js';
import { runReport, type RunReportDeps } from './run-reports.js';

/** The reports a schedule may deliver. */
export const SCHEDULED_REPORTS = ['owner', 'aging', 'weekly'] as const;
export type ScheduledReportName = (typeof SCHEDULED_REPORTS)[number];

export const DEFAULT_REPORT_CRON = '0 8 * * 1';

/** A slot older than this when its turn comes is skipped, not sent late. */
export const LATE_SLOT_MS = 24 * 60 * 60 * 1000;

export interface ReportSchedule {
  orgId: string;
  id: string;
  report: ScheduledReportName;
  ownerId: string | null;
  recipients: string[];
  cron: string;
  timezone: string;
  /** The scheduled instant last delivered or skipped (ISO-8601 UTC), or null. */
  lastRunAt: string | null;
  createdAt: string;
  createdBy: string;
}

export type NewReportSchedule = Omit<ReportSchedule, 'id' | 'lastRunAt'>;

/** Storage of schedules (storage/repos/report-schedules-repo.ts). */
export interface ReportScheduleStore {
  add(schedule: NewReportSchedule): Promise<ReportSchedule>;
  /** One organisation's schedules, or every organisation's (`null`), by org then id. */
  list(orgId: string | null): Promise<ReportSchedule[]>;
  /** True when it existed; audited as `report.unscheduled` by `by.actor` at `by.at`. */
  remove(orgId: string, id: string, by: { actor: string; at: string }): Promise<boolean>;
  /**
   * Moves `last_run_at` to `slot` if it is null or before it, atomically; true when this
   * caller won the slot. `audit` is appended in the same transaction when it won.
   */
  claim(orgId: string, id: string, slot: string, audit?: AuditInput): Promise<boolean>;
  /** Gives a claimed slot back (`last_run_at` = `previous` if still `slot`), with `audit`. */
  release(
    orgId: string,
    id: string,
    slot: string,
    previous: string | null,
    audit: AuditInput,
  ): Promise<void>;
  /** Appends one audit entry in its own transaction. */
  audit(orgId: string, entry: AuditInput): Promise<void>;
}

export interface ReportMail {
  to: string[];
  subject: string;
  text: string;
  attachment: { filename: string; bytes: Uint8Array };
}

/** Sends a report by e-mail (outbox/report-mailer.ts); throws when it could not. */
export interface ReportMailer {
  sendReport(mail: ReportMail): Promise<{ messageId: string }>;
}

export interface DeliverDeps extends RunReportDeps {
  schedules: ReportScheduleStore;
  mailer: ReportMailer;
  /** The PDF renderer (src/reports/render-pdf.ts). */
  renderPdf(document: ReportDocument): Promise<{ bytes: Uint8Array; pages: number }>;
}

export interface ScheduledDelivery {
  orgId: string;
  scheduleId: string;
  report: ScheduledReportName;
  ownerId: string | null;
  /** The scheduled instant (ISO-8601 UTC). */
  slot: string;
  /** The report's as-of date: the slot's local date in the schedule's zone. */
  asOf: string;
  status: 'delivered' | 'skipped' | 'failed';
  recipients: number;
  /** Skipped: how many slots. */
  slots?: number;
  sha256?: string;
  messageId?: string;
  reason?: string;
}

// ---------------------------------------------------------------------------------------
// Validation (CLI and API input)

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

export function isScheduledReport(name: string): name is ScheduledReportName {
  return (SCHEDULED_REPORTS as readonly string[]).includes(name);
}

export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** The cron pattern's own complaint, or null when croner accepts it. */
export function cronProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export interface ScheduleRequest {
  report: string;
  ownerId?: string;
  /** E-mail addresses, comma-separated. */
  to: string;
  cron?: string;
  timezone?: string;
  actor: string;
}

/** Validates and stores a schedule; an `InputError` names each bad flag and the fix. */
export async function addReportSchedule(
  deps: Pick<DeliverDeps, 'schedules' | 'portfolio' | 'clock'>,
  orgId: string,
  request: ScheduleRequest,
): Promise<ReportSchedule> {
  const issues: InputIssue[] = [];
  if (!isScheduledReport(request.report))
    issues.push({
      path: 'NAME',
      message: `\`${request.report}\` cannot be scheduled; use one of ${SCHEDULED_REPORTS.join(', ')}`,
    });
  else if (request.ownerId !== undefined && request.report !== 'owner')
    issues.push({
      path: '--owner',
      message: `only the owner report takes --owner; drop it for the ${request.report} report`,
    });
  const recipients = request.to
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (recipients.length === 0)
    issues.push({ path: '--to', message: 'give at least one e-mail address, e.g. --to a@b.com' });
  for (const r of recipients)
    if (!EMAIL.test(r))
      issues.push({
        path: '--to',
        message: `\`${r}\` is not an e-mail address; write name@example.com (several: a@x.com,b@y.com)`,
      });
  const cron = request.cron ?? DEFAULT_REPORT_CRON;
  const problem = cronProblem(cron);
  if (problem !== null)
    issues.push({
      path: '--cron',
      message: `\`${cron}\` is not a cron pattern (${problem}); write minute hour day month weekday, e.g. "0 8 * * 1" for Monday 08:00`,
    });
  if (request.timezone !== undefined && !isTimezone(request.timezone))
    issues.push({
      path: '--tz',
      message: `\`${request.timezone}\` is not a time zone; use an IANA name such as America/New_York`,
    });

  const portfolio = await deps.portfolio.loadPortfolio(orgId);
  const owned = portfolio.properties
    .filter((p) => request.ownerId === undefined || (p.ownerId ?? null) === request.ownerId)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (request.ownerId !== undefined && owned.length === 0) {
    const owners = [
      ...new Set(portfolio.properties.flatMap((p) => (p.ownerId ? [p.ownerId] : []))),
    ].sort();
    issues.push({
      path: '--owner',
      message: `no property has owner \`${request.ownerId}\`; use one of ${owners.length > 0 ? owners.join(', ') : '(none: import a portfolio with ownerId on its properties)'}`,
    });
  }
  if (issues.length > 0) throw new InputError(issues);

  const timezone =
    request.timezone ??
    (request.ownerId !== undefined ? owned[0]!.timezone : portfolioTimezone(portfolio.properties));
  return deps.schedules.add({
    orgId,
    report: request.report as ScheduledReportName,
    ownerId: request.ownerId ?? null,
    recipients,
    cron,
    timezone,
    createdAt: new Date(deps.clock.now()).toISOString(),
    createdBy: request.actor,
  });
}

/** Removes a schedule; an unknown id is an `InputError` naming it. */
export async function removeReportSchedule(
  deps: Pick<DeliverDeps, 'schedules' | 'clock'>,
  orgId: string,
  id: string,
  actor: string,
): Promise<void> {
  const at = new Date(deps.clock.now()).toISOString();
  if (!(await deps.schedules.remove(orgId, id, { actor, at })))
    throw new InputError([
      { path: 'ID', message: `no report schedule \`${id}\`; see \`arrears report schedule list\`` },
    ]);
}

// ---------------------------------------------------------------------------------------
// Delivery

/** The slots of `schedule` after `from` and at or before `now`, oldest first (at most `cap`). */
export function dueSlots(schedule: ReportSchedule, now: number, cap = 10_000): Date[] {
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  const slots: Date[] = [];
  let from = new Date(schedule.lastRunAt ?? schedule.createdAt);
  for (;;) {
    const next = cron.nextRun(from);
    if (next === null || next.getTime() > now) return slots;
    slots.push(next);
    if (slots.length > cap) slots.shift();
    from = next;
  }
}

/** Figures for the audit entry: ids, counts and totals only (no names, no addresses). */
function auditTotals(report: ScheduledReportName, json: unknown): unknown {
  const j = json as Record<string, unknown>;
  switch (report) {
    case 'owner':
      return j.totals;
    case 'aging':
      return {
        buckets: j.buckets,
        unappliedCreditCents: j.unappliedCreditCents,
        totalCents: j.totalCents,
        leases: (j.rows as unknown[]).length,
      };
    case 'weekly':
      return {
        cases: j.cases,
        recovery: j.recovery,
        fees: j.fees,
        disputes: j.disputes,
        hardship: j.hardship,
      };
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_');
}

/**
 * Delivers every due schedule of `orgId` (or of every organisation: `null`) once; returns
 * what was delivered, skipped or failed. Never throws for one schedule's failure.
 */
export async function deliverScheduledReports(
  deps: DeliverDeps,
  orgId: string | null,
): Promise<ScheduledDelivery[]> {
  const now = deps.clock.now();
  const results: ScheduledDelivery[] = [];
  for (const schedule of await deps.schedules.list(orgId)) {
    const result = await deliverOne(deps, schedule, now);
    if (result) results.push(result);
  }
  return results;
}

async function deliverOne(
  deps: DeliverDeps,
  s: ReportSchedule,
  now: number,
): Promise<ScheduledDelivery | null> {
  const slots = dueSlots(s, now);
  const latest = slots.at(-1);
  if (latest === undefined) return null;
  const slot = latest.toISOString();
  const asOf = epochToLocal(latest.getTime(), s.timezone).date;
  const base = {
    orgId: s.orgId,
    scheduleId: s.id,
    report: s.report,
    ownerId: s.ownerId,
    slot,
    asOf,
    recipients: s.recipients.length,
  };
  const entry = (type: string, at: number, data: Record<string, unknown>): AuditInput => ({
    at: new Date(at).toISOString(),
    actor: 'system:report-schedule',
    type,
    subject: `report-schedule:${s.id}`,
    data: { scheduleId: s.id, report: s.report, ownerId: s.ownerId, ...data },
  });

  // Too late to send (see the header): claim the slot and record the skip.
  if (now - latest.getTime() > LATE_SLOT_MS) {
    const won = await deps.schedules.claim(
      s.orgId,
      s.id,
      slot,
      entry('report.skipped', now, {
        reason: 'missed',
        slots: slots.length,
        firstSlot: slots[0]!.toISOString(),
        lastSlot: slot,
      }),
    );
    return won ? { ...base, status: 'skipped', slots: slots.length, reason: 'missed' } : null;
  }

  // Earlier slots still due are superseded by this one: skipped in the claim's transaction.
  const earlier = slots.slice(0, -1);
  const won = await deps.schedules.claim(
    s.orgId,
    s.id,
    slot,
    earlier.length > 0
      ? entry('report.skipped', now, {
          reason: 'superseded',
          slots: earlier.length,
          firstSlot: earlier[0]!.toISOString(),
          lastSlot: earlier.at(-1)!.toISOString(),
        })
      : undefined,
  );
  if (!won) return null;

  try {
    const report = await runReport(deps, s.orgId, {
      name: s.report,
      at: asOf,
      ...(s.ownerId !== null ? { ownerId: s.ownerId } : {}),
    });
    const document = report.document();
    const pdf = await deps.renderPdf(document);
    const sha256 = createHash('sha256').update(pdf.bytes).digest('hex');
    const who = s.ownerId !== null ? ` for owner ${s.ownerId}` : '';
    const subject = `${document.title}${who}: ${report.organisation}, ${document.scope.toLowerCase()}`;
    const text = [
      `Attached: the ${document.title.toLowerCase()}${who}, ${document.scope.toLowerCase()} (scheduled ${s.cron}, ${s.timezone}).`,
      '',
      ...document.summary.map((f) => `${f.label}: ${f.value}`),
      '',
      `Sent by Arrears (schedule ${s.id}).`,
    ].join('\n');
    const filename = `${[s.report, ...(s.ownerId !== null ? [safeName(s.ownerId)] : []), asOf].join('-')}.pdf`;
    const sent = await deps.mailer.sendReport({
      to: s.recipients,
      subject,
      text,
      attachment: { filename, bytes: pdf.bytes },
    });
    await deps.schedules.audit(
      s.orgId,
      entry('report.delivered', deps.clock.now(), {
        slot,
        asOf,
        recipients: s.recipients.length,
        totals: auditTotals(s.report, report.json),
        pdf: { sha256, bytes: pdf.bytes.length, pages: pdf.pages },
      }),
    );
    return { ...base, status: 'delivered', sha256, messageId: sent.messageId };
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).slice(0, 200);
    // Give the slot back (to the slot before it when earlier ones were skipped) so the next
    // pass tries again while it is not yet a day late.
    await deps.schedules.release(
      s.orgId,
      s.id,
      slot,
      earlier.at(-1)?.toISOString() ?? s.lastRunAt,
      // The provider's words may quote an address: redacted before they enter the chain.
      entry('report.failed', deps.clock.now(), {
        slot,
        asOf,
        reason: reason.replace(/[^\s<>"',;:]+@[^\s<>"',;]+/g, '<address>'),
      }),
    );
    return { ...base, status: 'failed', reason };
  }
}
