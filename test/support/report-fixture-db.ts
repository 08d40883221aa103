/** Writes the report fixture (report-fixture.ts) into a migrated database. */
import { portfolio as portfolioSchema } from '../../src/domain/portfolio/schema.js';
import type { Db } from '../../src/storage/database.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { policyStore } from '../../src/storage/repos/policies-repo.js';
import { portfolioStore } from '../../src/storage/repos/portfolio-repo.js';
import {
  CASES,
  ORGANISATION,
  OUTBOX,
  POLICIES,
  PORTFOLIO_INPUT,
  PROOFS,
  SCANS,
  TASKS,
  TRANSITIONS,
} from './report-fixture.js';

/** Writes the fixture into a migrated database, as organisation `orgId`. */
export async function saveFixture(db: Db, orgId: string): Promise<void> {
  const at = '2026-12-15T20:00:00.000Z';
  await ensureOrganisation(db, { id: orgId, name: ORGANISATION, at });
  await portfolioStore(db).savePortfolio(orgId, portfolioSchema.parse(PORTFOLIO_INPUT), {
    source: 'import',
    actor: 'test',
    at,
  });
  for (const p of POLICIES) await policyStore(db).save(orgId, p, 'test', at);
  const k = db.kysely;
  await k
    .insertInto('cases')
    .values(
      CASES.map((c) => ({
        org_id: orgId,
        lease_id: c.leaseId,
        episode: c.episode,
        opened: c.opened,
        anchor: c.anchor,
        closed: c.closed,
        outcome: c.outcome,
        policy_id: c.policyId,
        policy_version: c.policyVersion,
        updated_at: at,
      })),
    )
    .execute();
  await k
    .insertInto('outbox')
    .values(
      OUTBOX.map((i) => ({
        org_id: orgId,
        key: i.key,
        lease_id: i.leaseId,
        episode: i.episode,
        stage: i.stage,
        action: i.action,
        type: i.type,
        channel: i.channel,
        method: i.method,
        contact_id: i.contactId,
        status: i.status,
        reason: i.reason,
        payload: JSON.stringify(i.payload),
        policy_id: i.leaseId === 'S1' ? 'sto' : 'res',
        policy_version: 1,
        amount_cents: i.amountCents,
        due_at: i.dueAt,
        created_at: i.createdAt,
        updated_at: i.updatedAt,
      })),
    )
    .execute();
  await k
    .insertInto('outbox_transitions')
    .values(
      TRANSITIONS.map((t) => ({
        org_id: orgId,
        key: t.key,
        seq: t.seq,
        from_status: t.from,
        to_status: t.to,
        at: t.at,
        actor: t.actor,
        reason: t.reason,
      })),
    )
    .execute();
  await k
    .insertInto('proofs_of_service')
    .values(
      PROOFS.map((p) => ({
        org_id: orgId,
        id: p.id,
        outbox_key: p.outboxKey,
        lease_id: p.leaseId,
        method: p.method,
        tracking_number: p.trackingNumber,
        status: p.status,
        served_on: p.servedOn,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
  await k
    .insertInto('tasks')
    .values(
      TASKS.map((t) => ({
        org_id: orgId,
        id: t.id,
        lease_id: t.leaseId,
        episode: t.episode,
        title: t.title,
        assignee: t.assignee,
        due_date: t.dueDate,
        status: t.status,
        created_at: at,
      })),
    )
    .execute();
  await k
    .insertInto('scans')
    .values(
      SCANS.map((s) => ({
        org_id: orgId,
        id: s.id,
        started_at: s.asOf,
        finished_at: s.finishedAt,
        as_of: s.asOf,
        counts: JSON.stringify({
          evaluated: 1,
          queued: 0,
          skipped: 0,
          cancelled: 0,
          changes: s.changes,
        }),
      })),
    )
    .execute();
}
