/**
 * Legal hand-off mapping (pure): which items are legal escalations, the cover letter's
 * content from the packet, and the e-mail to the attorney.
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import { formatMoney } from '../../domain/templates/render.js';
import type { CoverLetter } from './cover-letter.js';
import type { EvidencePacket } from './packet.js';

export type Delivery = 'attachment' | 'link';

export interface HandoffSettings {
  attorneyEmail: string;
  attorneyName: string | null;
  delivery: Delivery;
  linkTtlDays: number;
}

export const isLegalEscalation = (item: OutboxItem) =>
  item.type === 'escalate' && item.payload.to === 'legal';

export interface Office {
  name: string;
  email: string | null;
  phone: string | null;
}

export function coverLetterOf(
  packet: EvidencePacket,
  settings: HandoffSettings,
  office: Office | null,
  item: OutboxItem,
  delivery: CoverLetter['delivery'],
): CoverLetter {
  const m = packet.model;
  return {
    date: m.asOf,
    attorney: { name: settings.attorneyName, email: settings.attorneyEmail },
    office: office ?? { name: m.property.legalName ?? m.property.name, email: null, phone: null },
    property: {
      name: m.property.name,
      legalName: m.property.legalName,
      jurisdiction: m.property.jurisdiction,
      addressLines: m.property.addressLines,
    },
    lease: { id: m.lease.id, unit: m.lease.unit },
    tenants: m.tenants.map((t) => t.name),
    balanceCents: m.ledger.balanceCents,
    reference: item.key,
    delivery,
    // The manifest lists the packet's files; the manifest itself is named in the letter too.
    files: packet.files.map((f) => ({ path: f.path, bytes: f.bytes.byteLength, sha256: f.sha256 })),
  };
}

/** Attachments cannot carry folders: `notices/x.pdf` is attached as `notices-x.pdf`. */
export const attachmentName = (path: string) => path.replace(/\//g, '-');

export function handoffMail(letter: CoverLetter): { subject: string; text: string } {
  const lines = [
    letter.attorney.name ? `Dear ${letter.attorney.name},` : 'Dear Counsel,',
    '',
    `We refer to you the delinquent account of ${letter.tenants.join('; ') || 'the tenant'}, ` +
      `unit ${letter.lease.unit} at ${letter.property.name} (${letter.property.jurisdiction}), ` +
      `lease ${letter.lease.id}: ${formatMoney(letter.balanceCents)} per the ledger as of ${letter.date}.`,
    '',
    letter.delivery.mode === 'link'
      ? `The evidence packet and cover letter are at ${letter.delivery.url} until ${letter.delivery.expiresAt}.`
      : 'The cover letter and the evidence packet are attached:',
    ...letter.files.map((f) => `  ${f.sha256}  ${f.path}`),
    '',
    'manifest.json lists every file of the packet with its sha256.',
    `Please confirm receipt by replying, quoting ${letter.reference}.`,
    '',
    letter.office.name,
    ...[letter.office.phone, letter.office.email].filter((s): s is string => s !== null),
  ];
  return {
    subject: `Legal hand-off: ${letter.property.name}, unit ${letter.lease.unit} (lease ${letter.lease.id})`,
    text: `${lines.join('\n')}\n`,
  };
}
