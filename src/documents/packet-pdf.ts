/**
 * The evidence packet (domain/documents/packet.ts) as one PDF: the lease and its people,
 * the ledger with a running balance, every notice with its proof of service and carrier
 * history, every other action and its outcome, the approvals, and the audit entries about
 * the lease with their hashes. In English: it is read by owners, counsel and courts.
 */
import { canonicalJson } from '../domain/audit/canonical-json.js';
import type { PacketModel } from '../domain/documents/packet.js';
import { formatMoney } from '../domain/templates/render.js';
import {
  CONTENT_WIDTH,
  field,
  FONT,
  heading,
  openPdf,
  PAGE,
  pdfSafe,
  table,
  type RenderedPdf,
} from './pdf-writer.js';

const money = (cents: number) => (cents === 0 ? '' : formatMoney(cents));

export async function renderPacketPdf(packet: PacketModel): Promise<RenderedPdf> {
  const w = openPdf({
    title: packet.title,
    subject: `Evidence packet for lease ${packet.lease.id}`,
    author: packet.property.legalName ?? packet.property.name,
    lang: 'en-US',
    date: packet.generatedAt,
  });
  const { doc } = w;
  const left = PAGE.margin;
  const note = (text: string) =>
    doc
      .font(FONT.italic)
      .fontSize(9)
      .text(pdfSafe(text), left, undefined, { width: CONTENT_WIDTH });

  doc.font(FONT.bold).fontSize(16).text(pdfSafe(packet.title), left, PAGE.margin, {
    width: CONTENT_WIDTH,
  });
  doc.moveDown(0.5);
  field(w, 'Generated', `${packet.generatedAt} (local date ${packet.asOf})`);
  const p = packet.property;
  field(
    w,
    'Property',
    [p.name, p.legalName && p.legalName !== p.name ? `(${p.legalName})` : '', `- ${p.id}`]
      .filter(Boolean)
      .join(' '),
  );
  if (p.addressLines.length > 0) field(w, 'Address', p.addressLines.join(', '));
  field(w, 'Jurisdiction', `${p.jurisdiction}, ${p.kind}`);
  const l = packet.lease;
  field(
    w,
    'Lease',
    `${l.id}, unit ${l.unit}${l.spaceType ? ` (${l.spaceType})` : ''}, rent ${formatMoney(l.rentCents)}`,
  );
  for (const t of packet.tenants)
    field(
      w,
      t.role === 'primary' ? 'Tenant' : `Contact (${t.role})`,
      [`${t.name} - ${t.id}`, ...t.addressLines].join(', '),
    );
  field(w, 'Audit chain head', `seq ${packet.auditHead.seq}, ${packet.auditHead.hash}`, 8.5);

  heading(w, '1. Ledger');
  table(
    w,
    [
      { header: 'Date', width: 58 },
      { header: 'Entry', width: 88, font: FONT.mono },
      { header: 'Type', width: 50 },
      { header: 'Category / memo', width: 118 },
      { header: 'Due', width: 58 },
      { header: 'Charge', width: 44, align: 'right' },
      { header: 'Credit', width: 44, align: 'right' },
      { header: 'Balance', width: 44, align: 'right' },
    ],
    packet.ledger.rows.map((r) => [
      r.date,
      r.id,
      r.type,
      [r.category, r.memo].filter(Boolean).join(': '),
      r.dueDate ?? '',
      money(r.debitCents),
      money(r.creditCents),
      formatMoney(r.balanceCents),
    ]),
    { fontSize: 7 },
  );
  doc.moveDown(0.3);
  field(w, 'Balance', formatMoney(packet.ledger.balanceCents));

  heading(w, '2. Notices and proof of service');
  if (packet.notices.length === 0) note('No notice has been sent for this lease.');
  for (const n of packet.notices) {
    w.ensureSpace(90);
    doc.moveDown(0.4);
    doc.font(FONT.mono).fontSize(8.5).text(pdfSafe(n.item.key), left, undefined, {
      width: CONTENT_WIDTH,
    });
    field(w, 'Template', n.item.template ?? '-', 8.5);
    field(w, 'Delivery', n.item.method ?? n.item.channel ?? '-', 8.5);
    if (n.item.contactId !== null)
      field(w, 'Recipient', `${n.contactName ?? '(unknown)'} - ${n.item.contactId}`, 8.5);
    field(w, 'Outbox status', `${n.item.status}${n.item.reason ? ` (${n.item.reason})` : ''}`, 8.5);
    if (n.proofs.length === 0) note('No proof of service recorded.');
    for (const { proof, file } of n.proofs) {
      const data = proof.data ?? {};
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      doc.moveDown(0.3);
      field(w, 'Proof', proof.id, 8, FONT.mono);
      field(w, 'Mailed on', `${proof.servedOn ?? '-'} by ${proof.method}`, 8.5);
      field(w, 'Provider', `${proof.provider ?? '-'}, letter ${proof.providerId ?? '-'}`, 8.5);
      field(w, 'Tracking number', proof.trackingNumber ?? '-', 8.5, FONT.mono);
      if (proof.certificateRef) field(w, 'Certificate', proof.certificateRef, 8.5, FONT.mono);
      field(w, 'Document sha256', proof.documentSha256 ?? '-', 8, FONT.mono);
      field(w, 'File', file ?? 'not found in storage', 8.5);
      if (str(data.deadline))
        field(
          w,
          'Deadline',
          `${str(data.deadline)} (${str(data.rule)}; ${str(data.citation)})`,
          8.5,
        );
      field(w, 'Status', proof.status, 8.5);
      doc.moveDown(0.2);
      table(
        w,
        [
          { header: 'At (UTC)', width: 120 },
          { header: 'Local date', width: 62 },
          { header: 'Event', width: 62 },
          { header: 'Reported by', width: 110 },
          { header: 'Detail', width: CONTENT_WIDTH - 354 },
        ],
        proof.events.map((e) => [e.at, e.date, e.type, e.source, e.detail ?? '']),
        { fontSize: 7.5 },
      );
    }
  }

  heading(w, '3. Every action and its outcome');
  table(
    w,
    [
      { header: 'Key', width: 170, font: FONT.mono },
      { header: 'Type', width: 45 },
      { header: 'Via', width: 70 },
      { header: 'Status', width: 50 },
      { header: 'Reason', width: 60 },
      { header: 'Updated', width: CONTENT_WIDTH - 395 },
    ],
    packet.actions.map((a) => [
      a.key,
      a.type,
      a.method ?? a.channel ?? '',
      a.status,
      a.reason ?? '',
      a.updatedAt,
    ]),
    { fontSize: 6.5 },
  );

  heading(w, '4. Approvals');
  if (packet.approvals.length === 0) note('No approval was recorded for this lease.');
  else
    table(
      w,
      [
        { header: 'Key', width: 170, font: FONT.mono },
        { header: 'Version', width: 40, align: 'right' },
        { header: 'Decision', width: 52 },
        { header: 'By', width: 100 },
        { header: 'At', width: 92 },
        { header: 'Reason', width: CONTENT_WIDTH - 454 },
      ],
      packet.approvals.map((a) => [
        a.key,
        String(a.version),
        a.decision,
        a.email ?? a.userId,
        a.at,
        a.reason ?? '',
      ]),
      { fontSize: 6.5 },
    );

  heading(w, '5. Audit extract');
  note(
    'Entries about this lease, its actions and its proofs, in chain order. Each hash covers the ' +
      'previous hash and the entry; `arrears audit verify` checks the whole chain.',
  );
  doc.moveDown(0.3);
  table(
    w,
    [
      { header: 'Seq', width: 30, align: 'right' },
      { header: 'At / actor', width: 92 },
      { header: 'Type / subject', width: 120 },
      { header: 'Data', width: 172, font: FONT.mono },
      { header: 'Hash', width: CONTENT_WIDTH - 414, font: FONT.mono },
    ],
    packet.audit.map((e) => [
      String(e.seq),
      `${e.at}\n${e.actor}`,
      `${e.type}\n${e.subject}`,
      canonicalJson(e.data),
      e.hash,
    ]),
    { fontSize: 6 },
  );

  return w.finish(
    (page, pages) =>
      `Evidence packet, lease ${packet.lease.id}, generated ${packet.generatedAt}  ·  Page ${page} of ${pages}`,
  );
}
