/**
 * Documents and proofs of service (`documents`, `proofs_of_service`): the `DocumentStore`
 * port of app/record-mail-event.ts, on both engines.
 *
 * - Documents are content-addressed: the sha256 of the bytes is the primary key, so the
 *   same bytes are stored once however often they are rendered. The table is shared by
 *   organisations (identical bytes are identical documents); an organisation reads a
 *   document only through one of its own proofs, and every store is audited in its chain.
 * - A proof is one mailing (`{outboxKey}@{providerId}`), recorded once. Carrier events are
 *   appended to its `events` under a row lock, once per event id; its status follows the
 *   latest event. Erasing a person blanks `data` (who it was mailed to); the method,
 *   tracking, certificate, document hash and events stay as the proof of service.
 * - Every write appends its audit entry in the same transaction, last (it locks the
 *   organisation's chain head).
 */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { systemClock, type Clock } from '../../app/ports/clock.js';
import type { DocumentStore } from '../../app/ports/documents.js';
import type { AuditEntry } from '../../domain/audit/chain.js';
import type {
  EvidenceApproval,
  EvidenceItem,
  LeaseEvidence,
} from '../../domain/documents/packet.js';
import {
  statusOf,
  withEvent,
  type ProofEvent,
  type ProofOfService,
} from '../../domain/documents/proof.js';
import { AppError } from '../../domain/errors.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import { storedInstant, type Db, type DbTransaction } from '../database.js';
import type { ProofsOfServiceTable } from '../schema.js';
import { appendAudit } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';

type ProofRow = Selectable<ProofsOfServiceTable>;

export function documentsRepo(db: Db, clock: Clock = systemClock): DocumentStore<DbTransaction> {
  const readProof = async (trx: DbTransaction, orgId: string, id: string, lock: boolean) => {
    let q = trx
      .selectFrom('proofs_of_service')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id);
    if (lock && trx.dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  };

  return {
    transaction: (fn) => db.transaction(fn),

    storeDocument: (orgId, doc, actor, at) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const bytes = Buffer.from(doc.bytes.buffer, doc.bytes.byteOffset, doc.bytes.byteLength);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const result = await trx
          .insertInto('documents')
          .values({
            sha256,
            bytes,
            content_type: doc.contentType,
            byte_size: bytes.byteLength,
            created_at: storedInstant(at),
          })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .executeTakeFirst();
        const created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
        await appendAudit(trx, orgId, {
          at: storedInstant(at),
          actor,
          type: 'document.stored',
          subject: `outbox:${doc.outboxKey}`,
          data: {
            sha256,
            byteSize: bytes.byteLength,
            contentType: doc.contentType,
            leaseId: doc.leaseId,
            outboxKey: doc.outboxKey,
            template: doc.template,
            // false: the same bytes were already stored (by an earlier attempt or render).
            new: created,
          },
        });
        return { sha256, created };
      }),

    async getDocument(orgId, sha256) {
      const row = await db.kysely
        .selectFrom('documents')
        .select(['bytes', 'content_type'])
        .where('sha256', '=', sha256)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('proofs_of_service')
              .select('id')
              .where('proofs_of_service.org_id', '=', orgId)
              .where('proofs_of_service.document_sha256', '=', sha256),
          ),
        )
        .executeTakeFirst();
      return row && { bytes: new Uint8Array(row.bytes), contentType: row.content_type };
    },

    recordProof: (orgId, proof, actor, at) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const when = storedInstant(at);
        const mailed: ProofEvent = {
          id: `mailed@${storedInstant(proof.mailedAt)}`,
          type: 'mailed',
          at: storedInstant(proof.mailedAt),
          date: proof.servedOn,
          source: `provider:${proof.provider}`,
        };
        const result = await trx
          .insertInto('proofs_of_service')
          .values({
            org_id: orgId,
            id: proof.id,
            outbox_key: proof.outboxKey,
            lease_id: proof.leaseId,
            contact_id: proof.contactId,
            method: proof.method,
            provider: proof.provider,
            provider_id: proof.providerId,
            tracking_number: proof.trackingNumber,
            certificate_ref: proof.certificateRef,
            document_sha256: proof.documentSha256,
            status: 'mailed',
            served_on: proof.servedOn,
            data: canonicalJson(proof.data),
            events: JSON.stringify([mailed]),
            created_at: when,
            updated_at: when,
          })
          .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
          .executeTakeFirst();
        const created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
        if (created)
          await appendAudit(trx, orgId, {
            at: when,
            actor,
            type: 'proof.recorded',
            subject: `proof:${proof.id}`,
            data: {
              outboxKey: proof.outboxKey,
              leaseId: proof.leaseId,
              contactId: proof.contactId,
              method: proof.method,
              provider: proof.provider,
              providerId: proof.providerId,
              trackingNumber: proof.trackingNumber,
              certificateRef: proof.certificateRef,
              documentSha256: proof.documentSha256,
              servedOn: proof.servedOn,
            },
          });
        const row = await readProof(trx, orgId, proof.id, false);
        return { proof: toProof(row!), created };
      }),

    async findByTracking(orgId, trackingNumber) {
      const rows = await db.kysely
        .selectFrom('proofs_of_service')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('tracking_number', '=', trackingNumber)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toProof);
    },

    async appendEvent(trx, orgId, proofId, event, actor) {
      const row = await readProof(trx, orgId, proofId, true);
      if (!row) throw new AppError('not_found', `no proof of service ${proofId}`);
      const current = toProof(row);
      const events = withEvent(current.events, event);
      if (!events) return { appended: false, proof: current };
      const status = statusOf(events);
      const updatedAt =
        storedInstant(event.at) > row.updated_at ? storedInstant(event.at) : row.updated_at;
      await trx
        .updateTable('proofs_of_service')
        .set({ events: JSON.stringify(events), status, updated_at: updatedAt })
        .where('org_id', '=', orgId)
        .where('id', '=', proofId)
        .execute();
      await appendAudit(trx, orgId, {
        at: new Date(clock.now()).toISOString(),
        actor,
        type: `proof.${event.type}`,
        subject: `proof:${proofId}`,
        data: {
          event: { ...event },
          status,
          trackingNumber: row.tracking_number,
          outboxKey: row.outbox_key,
        },
      });
      return { appended: true, proof: { ...current, events, status, updatedAt } };
    },

    async proofsForLease(orgId, leaseId) {
      const rows = await db.kysely
        .selectFrom('proofs_of_service')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('lease_id', '=', leaseId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toProof);
    },

    evidence: (orgId, leaseId) =>
      db.snapshot(async (trx): Promise<LeaseEvidence> => {
        const items = await trx
          .selectFrom('outbox')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('lease_id', '=', leaseId)
          .orderBy('created_at')
          .orderBy('key')
          .execute();
        const approvals = await trx
          .selectFrom('approvals')
          .innerJoin('outbox', (j) =>
            j
              .onRef('outbox.org_id', '=', 'approvals.org_id')
              .onRef('outbox.key', '=', 'approvals.key'),
          )
          .leftJoin('users', 'users.id', 'approvals.user_id')
          .select([
            'approvals.key',
            'approvals.version',
            'approvals.user_id',
            'users.email',
            'approvals.decision',
            'approvals.reason',
            'approvals.at',
          ])
          .where('approvals.org_id', '=', orgId)
          .where('outbox.lease_id', '=', leaseId)
          .orderBy('approvals.at')
          .orderBy('approvals.key')
          .orderBy('approvals.user_id')
          .execute();
        const proofs = await trx
          .selectFrom('proofs_of_service')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('lease_id', '=', leaseId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        // Subjects about the lease: the lease itself, its outbox items and its proofs (keys
        // start with `{leaseId}:`); `;` is the character after `:`, so ranges use the index.
        const range = (prefix: string) => [`${prefix}${leaseId}:`, `${prefix}${leaseId};`] as const;
        const [o1, o2] = range('outbox:');
        const [p1, p2] = range('proof:');
        const audit = await trx
          .selectFrom('audit')
          .selectAll()
          .where('org_id', '=', orgId)
          .where((eb) =>
            eb.or([
              eb('subject', '=', `lease:${leaseId}`),
              eb.and([eb('subject', '>=', o1), eb('subject', '<', o2)]),
              eb.and([eb('subject', '>=', p1), eb('subject', '<', p2)]),
            ]),
          )
          .orderBy('seq')
          .execute();
        const head = await trx
          .selectFrom('organisations')
          .select(['audit_seq', 'audit_hash'])
          .where('id', '=', orgId)
          .executeTakeFirst();
        return {
          items: items.map((r): EvidenceItem => ({
            key: r.key,
            episode: r.episode,
            stage: r.stage,
            action: r.action,
            type: r.type,
            channel: r.channel,
            method: r.method,
            contactId: r.contact_id,
            status: r.status,
            reason: r.reason,
            provider: r.provider,
            providerId: r.provider_id,
            template: templateOf(r.payload),
            createdAt: r.created_at,
            updatedAt: r.updated_at,
          })),
          approvals: approvals.map((a): EvidenceApproval => ({
            key: a.key,
            version: a.version,
            userId: a.user_id,
            email: a.email ?? null,
            decision: a.decision,
            reason: a.reason,
            at: a.at,
          })),
          proofs: proofs.map(toProof),
          audit: audit.map((r): AuditEntry => ({
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            type: r.type,
            subject: r.subject,
            data: parseJson(r.data) as AuditEntry['data'],
            dataHash: r.data_hash,
            prevHash: r.prev_hash,
            hash: r.hash,
          })),
          auditHead: { seq: head?.audit_seq ?? 0, hash: head?.audit_hash ?? '0'.repeat(64) },
        };
      }),
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // shown as stored; `arrears audit verify` says whether it was tampered with
  }
}

function templateOf(payload: string): string | null {
  const p = parseJson(payload);
  return p !== null &&
    typeof p === 'object' &&
    typeof (p as { template?: unknown }).template === 'string'
    ? (p as { template: string }).template
    : null;
}

function toProof(row: ProofRow): ProofOfService {
  const events = (parseJson(row.events) as ProofEvent[] | null) ?? [];
  const data = parseJson(row.data);
  return {
    id: row.id,
    outboxKey: row.outbox_key,
    leaseId: row.lease_id,
    contactId: row.contact_id,
    method: row.method as ProofOfService['method'],
    provider: row.provider,
    providerId: row.provider_id,
    trackingNumber: row.tracking_number,
    certificateRef: row.certificate_ref,
    documentSha256: row.document_sha256,
    status: row.status as ProofOfService['status'],
    servedOn: row.served_on,
    events: Array.isArray(events) ? events : [],
    data: data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
