/**
 * The evidence packet of a lease (SPEC 6, 9): `packet.pdf` (ledger, every notice with its
 * proof of service, every action, approvals, audit extract), each mailed notice exactly as
 * stored (its bytes checked against their content address, else refused), and
 * `manifest.json` listing every other file with its sha256. `arrears case packet` writes it
 * to a folder; the legal hand-off sends it to an attorney. One builder, so both carry the
 * same files.
 */
import { createHash } from 'node:crypto';
import { buildPacket, noticeFileName, type PacketModel } from '../domain/documents/packet.js';
import { AppError, InputError } from '../domain/errors.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { DocumentStore, RenderedDocument } from './ports/documents.js';
import type { PortfolioStore } from './ports/portfolio.js';

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
  contentType: string;
  /** For a mailed notice: which delivery and mailing it is. */
  outboxKey?: string;
  proofId?: string;
  trackingNumber?: string | null;
}

export interface PacketManifest {
  lease: string;
  generatedAt: string;
  asOf: string;
  auditHead: { seq: number; hash: string };
  files: ManifestFile[];
}

export interface PacketFile {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  contentType: string;
}

export interface EvidencePacket {
  model: PacketModel;
  manifest: PacketManifest;
  /** packet.pdf, the notices, and manifest.json last. */
  files: PacketFile[];
}

export interface EvidencePacketDeps {
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  documents: Pick<DocumentStore<unknown>, 'evidence' | 'getDocument'>;
  clock: Clock;
  /** documents/packet-pdf.ts `renderPacketPdf`. */
  renderPacket(model: PacketModel): Promise<RenderedDocument>;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The packet of the lease now; an InputError at `leasePath` when the lease does not exist. */
export async function buildEvidencePacket(
  deps: EvidencePacketDeps,
  orgId: string,
  leaseId: string,
  leasePath = 'leaseId',
): Promise<EvidencePacket> {
  const slice = await deps.portfolio.loadPortfolio(orgId, [leaseId]);
  const lease = slice.leases.find((l) => l.id === leaseId);
  const property = lease && slice.properties.find((p) => p.id === lease.propertyId);
  if (!lease || !property)
    throw new InputError([{ path: leasePath, message: `no lease has id \`${leaseId}\`` }]);
  const evidence = await deps.documents.evidence(orgId, leaseId);

  // The mailed PDFs, as stored; bytes that no longer match their address are refused.
  const notices: { file: PacketFile; entry: ManifestFile }[] = [];
  const found = new Set<string>();
  for (const proof of evidence.proofs) {
    if (proof.documentSha256 === null) continue;
    const doc = await deps.documents.getDocument(orgId, proof.documentSha256);
    if (!doc) continue;
    if (sha256(doc.bytes) !== proof.documentSha256)
      throw new AppError(
        'conflict',
        `stored document ${proof.documentSha256} of ${proof.id} does not match its sha256`,
      );
    found.add(proof.documentSha256);
    const path = noticeFileName(proof);
    notices.push({
      file: { path, bytes: doc.bytes, sha256: proof.documentSha256, contentType: doc.contentType },
      entry: {
        path,
        sha256: proof.documentSha256,
        bytes: doc.bytes.byteLength,
        contentType: doc.contentType,
        outboxKey: proof.outboxKey,
        proofId: proof.id,
        trackingNumber: proof.trackingNumber,
      },
    });
  }

  const nowMs = deps.clock.now();
  const generatedAt = new Date(Math.floor(nowMs / 1000) * 1000).toISOString();
  const asOf = epochToLocal(nowMs, property.timezone).date;
  const contacts = lease.tenantIds
    .map((id) => slice.tenants.find((t) => t.id === id))
    .filter((t) => t !== undefined);
  const model = buildPacket(
    {
      property,
      lease,
      contacts,
      ledger: slice.ledger.filter((e) => e.leaseId === leaseId),
      evidence,
      generatedAt,
      asOf,
    },
    found,
  );
  const pdf = await deps.renderPacket(model);
  const manifest: PacketManifest = {
    lease: leaseId,
    generatedAt,
    asOf,
    auditHead: evidence.auditHead,
    files: [
      {
        path: 'packet.pdf',
        sha256: pdf.sha256,
        bytes: pdf.bytes.byteLength,
        contentType: 'application/pdf',
      },
      ...notices.map((n) => n.entry),
    ],
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  return {
    model,
    manifest,
    files: [
      { path: 'packet.pdf', bytes: pdf.bytes, sha256: pdf.sha256, contentType: 'application/pdf' },
      ...notices.map((n) => n.file),
      {
        path: 'manifest.json',
        bytes: manifestBytes,
        sha256: sha256(manifestBytes),
        contentType: 'application/json',
      },
    ],
  };
}
