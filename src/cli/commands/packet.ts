/**
 * `arrears case packet LEASE --out DIR` (SPEC 6, 9): the evidence packet of one lease.
 * Writes `packet.pdf` (ledger, every notice with its proof of service, every action,
 * approvals, audit extract), each mailed notice exactly as stored (`notices/*.pdf`, its
 * bytes checked against their content address) and `manifest.json`, which lists every
 * other file with its sha256.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildPacket, noticeFileName } from '../../domain/documents/packet.js';
import { AppError, InputError } from '../../domain/errors.js';
import { epochToLocal } from '../../domain/time.js';
import { renderPacketPdf } from '../../documents/packet-pdf.js';
import { storesFor, withRuntime } from '../../main.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

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

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function registerPacket(program: Command, ctx: CliContext): void {
  // `case` is shared with `case close` (events.ts): whichever registers first creates it.
  const caseCmd =
    program.commands.find((c) => c.name() === 'case') ??
    program.command('case').description('act on one case');
  caseCmd
    .command('packet')
    .description(
      'evidence packet of a lease: packet.pdf (ledger, notices with proof of service, actions, approvals, audit extract), the mailed notices, and manifest.json with every file and its sha256',
    )
    .argument('<lease>', 'lease id')
    .requiredOption('--out <dir>', 'folder to write into (created when missing)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print the manifest as one JSON document')
    .action(async (leaseId: string, opts: { out: string; db?: string; json?: boolean }) => {
      const out = resolve(ctx.cwd, opts.out);
      const manifest = await withRuntime(
        { db: opts.db, env: ctx.env, cwd: ctx.cwd },
        async (rt): Promise<PacketManifest> => {
          const stores = storesFor(rt.db);
          const documents = documentsRepo(rt.db, rt.clock);
          const slice = await stores.portfolio.loadPortfolio(rt.orgId, [leaseId]);
          const lease = slice.leases.find((l) => l.id === leaseId);
          const property = lease && slice.properties.find((p) => p.id === lease.propertyId);
          if (!lease || !property)
            throw new InputError([{ path: 'LEASE', message: `no lease has id \`${leaseId}\`` }]);
          const evidence = await documents.evidence(rt.orgId, leaseId);

          // The mailed PDFs, as stored; bytes that no longer match their address are refused.
          const notices: { file: ManifestFile; bytes: Uint8Array }[] = [];
          const found = new Set<string>();
          for (const proof of evidence.proofs) {
            if (proof.documentSha256 === null) continue;
            const doc = await documents.getDocument(rt.orgId, proof.documentSha256);
            if (!doc) continue;
            if (sha256(doc.bytes) !== proof.documentSha256)
              throw new AppError(
                'conflict',
                `stored document ${proof.documentSha256} of ${proof.id} does not match its sha256`,
              );
            found.add(proof.documentSha256);
            notices.push({
              bytes: doc.bytes,
              file: {
                path: noticeFileName(proof),
                sha256: proof.documentSha256,
                bytes: doc.bytes.byteLength,
                contentType: doc.contentType,
                outboxKey: proof.outboxKey,
                proofId: proof.id,
                trackingNumber: proof.trackingNumber,
              },
            });
          }

          const nowMs = rt.clock.now();
          const generatedAt = new Date(Math.floor(nowMs / 1000) * 1000).toISOString();
          const asOf = epochToLocal(nowMs, property.timezone).date;
          const contacts = lease.tenantIds
            .map((id) => slice.tenants.find((t) => t.id === id))
            .filter((t) => t !== undefined);
          const packet = buildPacket(
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
          const pdf = await renderPacketPdf(packet);

          await mkdir(out, { recursive: true });
          const write = async (path: string, bytes: Uint8Array) => {
            const target = join(out, path);
            await mkdir(dirname(target), { recursive: true });
            await writeFile(target, bytes);
          };
          await write('packet.pdf', pdf.bytes);
          for (const n of notices) await write(n.file.path, n.bytes);
          const result: PacketManifest = {
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
              ...notices.map((n) => n.file),
            ],
          };
          await writeFile(join(out, 'manifest.json'), `${JSON.stringify(result, null, 2)}\n`);
          return result;
        },
      );
      if (opts.json) ctx.stdout(`${JSON.stringify(manifest, null, 2)}\n`);
      else {
        ctx.stdout(`evidence packet of lease ${leaseId} written to ${out}\n`);
        for (const f of manifest.files) ctx.stdout(`  ${f.sha256}  ${f.path}\n`);
        ctx.stdout(`  manifest.json lists them\n`);
      }
    });
}
