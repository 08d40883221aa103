/**
 * The evidence packet of a lease, as `arrears case packet` writes it (src/cli/commands/
 * packet.ts): `packet.pdf` (ledger, notices with proof of service, actions, approvals, audit
 * extract), every mailed notice exactly as stored (bytes checked against their content
 * address) and `manifest.json` listing every other file with its sha256 — here in memory,
 * for the legal hand-off to send.
 *
 * The connector context does not carry it yet: `EvidencePacketSource` is the port the
 * composition root should hand the connector (see the report), built from the same stores
 * the CLI command reads, so the two produce the same packet.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../app/ports/clock.js';
import type { DocumentStore } from '../../app/ports/documents.js';
import type { PortfolioStore } from '../../app/ports/portfolio.js';
import { buildPacket, noticeFileName, type PacketModel } from '../../domain/documents/packet.js';
import { AppError, InputError } from '../../domain/errors.js';
import { epochToLocal } from '../../domain/time.js';
import { renderPacketPdf } from '../../documents/packet-pdf.js';

export interface PacketFile {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  contentType: string;
}

/** manifest.json, the same shape as the CLI command's. */
export interface PacketManifest {
  lease: string;
  generatedAt: string;
  asOf: string;
  auditHead: { seq: number; hash: string };
  files: {
    path: string;
    sha256: string;
    bytes: number;
    contentType: string;
    outboxKey?: string;
    proofId?: string;
    trackingNumber?: string | null;
  }[];
}

export interface EvidencePacket {
  model: PacketModel;
  manifest: PacketManifest;
  /** packet.pdf, the notices, and manifest.json last. */
  files: PacketFile[];
}

export interface EvidencePacketSource {
  /** The packet of the lease now; an InputError when the lease does not exist. */
  build(orgId: string, leaseId: string): Promise<EvidencePacket>;
  /**
   * Keeps the files (content-addressed, audited) so a hand-off link can serve exactly the
   * bytes that were described to the attorney.
   */
  keep?(orgId: string, item: { leaseId: string; key: string }, files: PacketFile[]): Promise<void>;
}

export interface EvidencePacketDeps {
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  documents: Pick<DocumentStore<unknown>, 'evidence' | 'getDocument' | 'storeDocument'>;
  clock: Clock;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function evidencePacketSource(deps: EvidencePacketDeps): EvidencePacketSource {
  return {
    async build(orgId, leaseId) {
      const slice = await deps.portfolio.loadPortfolio(orgId, [leaseId]);
      const lease = slice.leases.find((l) => l.id === leaseId);
      const property = lease && slice.properties.find((p) => p.id === lease.propertyId);
      if (!lease || !property)
        throw new InputError([{ path: 'leaseId', message: `no lease has id \`${leaseId}\`` }]);
      const evidence = await deps.documents.evidence(orgId, leaseId);

      const notices: PacketFile[] = [];
      const extra = new Map<string, PacketManifest['files'][number]>();
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
          path,
          bytes: doc.bytes,
          sha256: proof.documentSha256,
          contentType: doc.contentType,
        });
        extra.set(path, {
          path,
          sha256: proof.documentSha256,
          bytes: doc.bytes.byteLength,
          contentType: doc.contentType,
          outboxKey: proof.outboxKey,
          proofId: proof.id,
          trackingNumber: proof.trackingNumber,
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
      const pdf = await renderPacketPdf(model);
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
          ...notices.map((n) => extra.get(n.path)!),
        ],
      };
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      return {
        model,
        manifest,
        files: [
          {
            path: 'packet.pdf',
            bytes: pdf.bytes,
            sha256: pdf.sha256,
            contentType: 'application/pdf',
          },
          ...notices,
          {
            path: 'manifest.json',
            bytes: manifestBytes,
            sha256: sha256(manifestBytes),
            contentType: 'application/json',
          },
        ],
      };
    },
    async keep(orgId, item, files) {
      const at = new Date(deps.clock.now()).toISOString();
      for (const f of files)
        await deps.documents.storeDocument(
          orgId,
          {
            bytes: f.bytes,
            contentType: f.contentType,
            leaseId: item.leaseId,
            outboxKey: item.key,
            template: `legal-handoff:${f.path}`,
          },
          'provider:legalzoom',
          at,
        );
    },
  };
}
