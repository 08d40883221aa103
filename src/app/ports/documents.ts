/** Documents and proofs of service: where notices are stored and how they are rendered. */
import type { NoticeModel } from '../../domain/documents/notice.js';
import type { LeaseEvidence } from '../../domain/documents/packet.js';
import type { ProofEvent, ProofOfService } from '../../domain/documents/proof.js';

/** A rendered document: its bytes and their sha256 (its content address). */
export interface RenderedDocument {
  bytes: Uint8Array;
  sha256: string;
  pages: number;
}

/** Renders a notice to PDF (documents/render-pdf.ts). Same notice, same bytes. */
export type NoticeRenderer = (notice: NoticeModel) => Promise<RenderedDocument>;

export interface DocumentToStore {
  bytes: Uint8Array;
  contentType: string;
  /** What it was made for (audit only). */
  leaseId: string;
  outboxKey: string;
  template: string;
}

/** A proof to record after a provider accepted a mailing. */
export interface NewProof {
  id: string;
  outboxKey: string;
  leaseId: string;
  contactId: string | null;
  method: ProofOfService['method'];
  provider: string;
  providerId: string;
  trackingNumber: string | null;
  certificateRef: string | null;
  documentSha256: string | null;
  servedOn: string;
  /** When the provider accepted it (the `mailed` event). */
  mailedAt: string;
  /** Recipient and deadline as mailed; personal data, erased with the person. */
  data: Record<string, unknown>;
}

export interface DocumentStore<Tx> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Stores the bytes under their sha256 (once, whoever asks again) and audits it. */
  storeDocument(
    orgId: string,
    doc: DocumentToStore,
    actor: string,
    at: string,
  ): Promise<{ sha256: string; created: boolean }>;
  /** The bytes of a document one of the organisation's proofs refers to. */
  getDocument(
    orgId: string,
    sha256: string,
  ): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
  /** Records a proof (once per id) with its `mailed` event and audit entry. */
  recordProof(
    orgId: string,
    proof: NewProof,
    actor: string,
    at: string,
  ): Promise<{ proof: ProofOfService; created: boolean }>;
  findByTracking(orgId: string, trackingNumber: string): Promise<ProofOfService[]>;
  /** Appends an event (once per event id) in `tx`, with its audit entry. */
  appendEvent(
    tx: Tx,
    orgId: string,
    proofId: string,
    event: ProofEvent,
    actor: string,
  ): Promise<{ appended: boolean; proof: ProofOfService }>;
  proofsForLease(orgId: string, leaseId: string): Promise<ProofOfService[]>;
  /** Everything stored about one lease for its evidence packet, from one snapshot. */
  evidence(orgId: string, leaseId: string): Promise<LeaseEvidence>;
}
