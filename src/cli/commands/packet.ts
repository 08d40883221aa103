/**
 * `arrears case packet LEASE --out DIR` (SPEC 6, 9): the evidence packet of one lease.
 * Writes `packet.pdf` (ledger, every notice with its proof of service, every action,
 * approvals, audit extract), each mailed notice exactly as stored (`notices/*.pdf`, its
 * bytes checked against their content address) and `manifest.json`, which lists every
 * other file with its sha256.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildEvidencePacket, type PacketManifest } from '../../app/build-evidence-packet.js';
import { renderPacketPdf } from '../../documents/packet-pdf.js';
import { storesFor, withRuntime } from '../../main.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import type { CliContext } from '../context.js';
import { DB_OPTION_HELP } from './migrate.js';

export type { ManifestFile, PacketManifest } from '../../app/build-evidence-packet.js';

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
          const packet = await buildEvidencePacket(
            {
              portfolio: storesFor(rt.db).portfolio,
              documents: documentsRepo(rt.db, rt.clock),
              clock: rt.clock,
              renderPacket: renderPacketPdf,
            },
            rt.orgId,
            leaseId,
            'LEASE',
          );
          for (const f of packet.files) {
            const target = join(out, f.path);
            await mkdir(dirname(target), { recursive: true });
            await writeFile(target, f.bytes);
          }
          return packet.manifest;
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
