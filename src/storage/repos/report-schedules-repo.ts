/**
 * Report schedules (`report_schedules`, migration 0010): the `ReportScheduleStore` of
 * app/deliver-scheduled-reports.ts, on both engines.
 *
 * The claim is one conditional UPDATE — `SET last_run_at = :slot WHERE id = :id AND
 * (last_run_at IS NULL OR last_run_at < :slot)` — so of two workers claiming the same slot
 * exactly one sees a row updated (instants are ISO-8601 UTC text of one fixed width, so text
 * order is time order). Its audit entry is appended in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type {
  ReportSchedule,
  ReportScheduleStore,
  ScheduledReportName,
} from '../../app/deliver-scheduled-reports.js';
import { storedInstant, type Db } from '../database.js';
import type { ReportSchedulesTable } from '../schema.js';
import { appendAudit } from './audit-repo.js';

function toSchedule(r: Selectable<ReportSchedulesTable>): ReportSchedule {
  return {
    orgId: r.org_id,
    id: r.id,
    report: r.report as ScheduledReportName,
    ownerId: r.owner_id,
    recipients: r.recipients.split(',').filter((s) => s.length > 0),
    cron: r.cron,
    timezone: r.timezone,
    lastRunAt: r.last_run_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function reportSchedulesRepo(db: Db): ReportScheduleStore {
  return {
    add: (s) =>
      db.transaction(async (trx) => {
        const row = {
          org_id: s.orgId,
          id: `rs-${randomBytes(4).toString('hex')}`,
          report: s.report,
          owner_id: s.ownerId,
          recipients: s.recipients.join(','),
          cron: s.cron,
          timezone: s.timezone,
          last_run_at: null,
          created_at: storedInstant(s.createdAt),
          created_by: s.createdBy,
        };
        await trx.insertInto('report_schedules').values(row).execute();
        await appendAudit(trx, s.orgId, {
          at: row.created_at,
          actor: s.createdBy,
          type: 'report.scheduled',
          subject: `report-schedule:${row.id}`,
          data: {
            scheduleId: row.id,
            report: s.report,
            ownerId: s.ownerId,
            recipients: s.recipients.length,
            cron: s.cron,
            timezone: s.timezone,
          },
        });
        return toSchedule(row);
      }),

    async list(orgId) {
      let q = db.kysely.selectFrom('report_schedules').selectAll();
      if (orgId !== null) q = q.where('org_id', '=', orgId);
      return (await q.orderBy('org_id').orderBy('id').execute()).map(toSchedule);
    },

    remove: (orgId, id, by) =>
      db.transaction(async (trx) => {
        const gone = await trx
          .deleteFrom('report_schedules')
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) return false;
        await appendAudit(trx, orgId, {
          at: storedInstant(by.at),
          actor: by.actor,
          type: 'report.unscheduled',
          subject: `report-schedule:${id}`,
          data: { scheduleId: id },
        });
        return true;
      }),

    claim: (orgId, id, slot, audit) =>
      db.transaction(async (trx) => {
        const at = storedInstant(slot);
        const result = await trx
          .updateTable('report_schedules')
          .set({ last_run_at: at })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_run_at', 'is', null), eb('last_run_at', '<', at)]))
          .executeTakeFirst();
        const won = Number(result.numUpdatedRows) > 0;
        if (won && audit) await appendAudit(trx, orgId, audit);
        return won;
      }),

    release: (orgId, id, slot, previous, audit) =>
      db.transaction(async (trx) => {
        await trx
          .updateTable('report_schedules')
          .set({ last_run_at: previous === null ? null : storedInstant(previous) })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .where('last_run_at', '=', storedInstant(slot))
          .execute();
        await appendAudit(trx, orgId, audit);
      }),

    audit: (orgId, entry) => db.transaction((trx) => appendAudit(trx, orgId, entry).then(() => {})),
  };
}
