/**
 * The evidence packet of one lease (SPEC 6, `arrears case packet`): the ledger, every
 * notice sent with its proof of service, every other action and its outcome, the
 * approvals, and the audit entries about the lease. A court or an owner reads it to see what
 * was owed, what was sent, when, by which method, and what became of it.
 *
 * Pure: the caller reads the evidence from storage and passes it in with the time of
 * generation; the same evidence gives the same packet.
 */
import type { AuditEntry } from '../audit/chain.js';
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { LedgerEntry, Lease, Property, Tenant } from '../portfolio/schema.js';
import { addressLines } from './notice.js';
import type { ProofOfService } from './proof.js';

export interface EvidenceItem {
  key: string;
  episode: number;
  stage: string;
  action: string;
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  status: string;
  reason: string | null;
  provider: string | null;
  providerId: string | null;
  template: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EvidenceApproval {
  key: string;
  version: number;
  userId: string;
  email: string | null;
  decision: string;
  reason: string | null;
  at: string;
}

/** What storage holds about one lease, read in one snapshot. */
export interface LeaseEvidence {
  items: EvidenceItem[];
  approvals: EvidenceApproval[];
  proofs: ProofOfService[];
  /** Audit entries about the lease, its outbox items and its proofs, by seq. */
  audit: AuditEntry[];
  /** The organisation's chain head when the evidence was read. */
  auditHead: { seq: number; hash: string };
}

export interface PacketInput {
  property: Property;
  lease: Lease;
  contacts: Tenant[];
  ledger: LedgerEntry[];
  evidence: LeaseEvidence;
  /** ISO instant the packet is made. */
  generatedAt: string;
  /** Local date at the property when it is made. */
  asOf: LocalDate;
}

export interface LedgerRow {
  date: LocalDate;
  id: string;
  type: string;
  category: string | null;
  dueDate: LocalDate | null;
  memo: string | null;
  /** Charges (and reversed credits) raise the balance; payments, credits, write-offs lower it. */
  debitCents: Cents;
  creditCents: Cents;
  balanceCents: Cents;
}

export interface PacketProof {
  proof: ProofOfService;
  /** Where the mailed PDF is in the packet's folder, when its bytes were found. */
  file: string | null;
}

export interface PacketNotice {
  item: EvidenceItem;
  contactName: string | null;
  proofs: PacketProof[];
}

export interface PacketModel {
  title: string;
  generatedAt: string;
  asOf: LocalDate;
  property: {
    id: string;
    name: string;
    legalName: string | null;
    jurisdiction: string;
    kind: string;
    addressLines: string[];
  };
  lease: { id: string; unit: string; spaceType: string | null; rentCents: Cents };
  tenants: { id: string; name: string; role: string; addressLines: string[] }[];
  ledger: { rows: LedgerRow[]; balanceCents: Cents };
  notices: PacketNotice[];
  actions: EvidenceItem[];
  approvals: EvidenceApproval[];
  audit: AuditEntry[];
  auditHead: { seq: number; hash: string };
}

/** A file name safe on every file system for a proof's mailed PDF. */
export function noticeFileName(proof: Pick<ProofOfService, 'id'>): string {
  return `notices/${proof.id.replace(/[^A-Za-z0-9._@-]+/g, '_')}.pdf`;
}

const TYPE_ORDER: Record<string, number> = {
  charge: 0,
  payment: 1,
  credit: 2,
  writeoff: 3,
  reversal: 4,
};

/** By date; on one date charges before what pays them, so the running balance reads right. */
function byDateTypeId(a: LedgerEntry, b: LedgerEntry): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  const t = (TYPE_ORDER[a.type] ?? 9) - (TYPE_ORDER[b.type] ?? 9);
  if (t !== 0) return t;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The ledger in date order with a running balance; a reversal undoes the entry it names. */
export function ledgerRows(entries: readonly LedgerEntry[]): {
  rows: LedgerRow[];
  balanceCents: Cents;
} {
  const sorted = [...entries].sort(byDateTypeId);
  const byId = new Map(sorted.map((e) => [e.id, e]));
  const effect = (e: LedgerEntry | undefined): Cents =>
    e === undefined || e.type === 'reversal'
      ? 0
      : e.type === 'charge'
        ? e.amountCents
        : -e.amountCents;
  let balance = 0;
  const rows = sorted.map((e) => {
    const delta =
      e.type === 'reversal' ? -effect(e.reverses ? byId.get(e.reverses) : undefined) : effect(e);
    balance += delta;
    return {
      date: e.date,
      id: e.id,
      type: e.type,
      category: e.category ?? null,
      dueDate: e.dueDate ?? null,
      memo: e.memo ?? null,
      debitCents: delta > 0 ? delta : 0,
      creditCents: delta < 0 ? -delta : 0,
      balanceCents: balance,
    };
  });
  return { rows, balanceCents: balance };
}

/**
 * The packet. `documents` says which stored PDFs were found (by sha256): a proof whose
 * document is missing is still listed, without a file.
 */
export function buildPacket(input: PacketInput, documents: ReadonlySet<string>): PacketModel {
  const { property, lease, evidence } = input;
  const names = new Map(input.contacts.map((c) => [c.id, c.name]));
  const proofsByKey = new Map<string, ProofOfService[]>();
  for (const p of evidence.proofs) {
    const list = proofsByKey.get(p.outboxKey);
    if (list) list.push(p);
    else proofsByKey.set(p.outboxKey, [p]);
  }
  const notices: PacketNotice[] = evidence.items
    .filter((i) => i.type === 'document' || proofsByKey.has(i.key))
    .map((item) => ({
      item,
      contactName: item.contactId !== null ? (names.get(item.contactId) ?? null) : null,
      proofs: (proofsByKey.get(item.key) ?? []).map((proof) => ({
        proof,
        file:
          proof.documentSha256 !== null && documents.has(proof.documentSha256)
            ? noticeFileName(proof)
            : null,
      })),
    }));
  return {
    title: `Evidence packet: lease ${lease.id}`,
    generatedAt: input.generatedAt,
    asOf: input.asOf,
    property: {
      id: property.id,
      name: property.name,
      legalName: property.legalName ?? null,
      jurisdiction: property.jurisdiction,
      kind: property.kind,
      addressLines: addressLines(property.address),
    },
    lease: {
      id: lease.id,
      unit: lease.unit,
      spaceType: lease.spaceType ?? null,
      rentCents: lease.rentCents,
    },
    tenants: input.contacts.map((c) => ({
      id: c.id,
      name: c.name,
      role: c.role,
      addressLines: addressLines(c.address),
    })),
    ledger: ledgerRows(input.ledger),
    notices,
    actions: evidence.items,
    approvals: evidence.approvals,
    audit: evidence.audit,
    auditHead: evidence.auditHead,
  };
}
