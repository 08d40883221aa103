/**
 * The evidence packet of a lease for the legal hand-off: the one `arrears case packet`
 * writes (app/build-evidence-packet.ts), in memory, and kept content-addressed so a
 * hand-off link serves exactly the bytes described to the attorney.
 */
import {
  buildEvidencePacket,
  type EvidencePacket,
  type EvidencePacketDeps,
  type PacketFile,
} from '../../app/build-evidence-packet.js';
import type { DocumentStore } from '../../app/ports/documents.js';
import { renderPacketPdf } from '../../documents/packet-pdf.js';

export {
  sha256,
  type EvidencePacket,
  type PacketFile,
  type PacketManifest,
} from '../../app/build-evidence-packet.js';

export interface EvidencePacketSource {
  /** The packet of the lease now; an InputError when the lease does not exist. */
  build(orgId: string, leaseId: string): Promise<EvidencePacket>;
  /**
   * Keeps the files (content-addressed, audited) so a hand-off link can serve exactly the
   * bytes that were described to the attorney.
   */
  keep?(orgId: string, item: { leaseId: string; key: string }, files: PacketFile[]): Promise<void>;
}

export interface EvidencePacketSourceDeps extends Omit<EvidencePacketDeps, 'renderPacket'> {
  documents: Pick<DocumentStore<unknown>, 'evidence' | 'getDocument' | 'storeDocument'>;
}

export function evidencePacketSource(deps: EvidencePacketSourceDeps): EvidencePacketSource {
  return {
    build: (orgId, leaseId) =>
      buildEvidencePacket({ ...deps, renderPacket: renderPacketPdf }, orgId, leaseId),
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
