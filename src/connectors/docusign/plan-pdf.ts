/**
 * The payment-plan agreement on paper, for signature: who, which lease, the installments,
 * the total, and a signature block. Deterministic like every Arrears PDF (pdf-writer.ts):
 * the same plan on the same date gives the same bytes, so a resend carries the same sha256.
 *
 * DocuSign places its tabs on anchor strings found in the text; they are drawn in white so
 * the tenant does not see them. Acrobat Sign needs none (it adds a signature block to a
 * document without signature fields).
 */
import {
  CONTENT_WIDTH,
  field,
  FONT,
  heading,
  openPdf,
  PAGE,
  pdfSafe,
  table,
} from '../../documents/pdf-writer.js';
import type { RenderedPdf } from '../../documents/pdf-writer.js';
import { formatLongDate, formatMoney, type Locale } from '../../domain/templates/render.js';
import type { PaymentPlan } from './payment-plan.js';

export interface PlanDocument {
  plan: PaymentPlan;
  tenantName: string;
  /** The landlord or facility the tenant owes (the office of the contact). */
  officeName: string;
  /** `YYYY-MM-DD`: the agreement's date (the document's own date, for stable bytes). */
  date: string;
  language: string;
  /** Invisible text a provider anchors its signature and date tabs on. */
  anchors?: { signHere: string; dateSigned: string };
}

const LABELS = {
  en: {
    title: 'Payment plan agreement',
    intro: (office: string) =>
      `${office} and the tenant named below agree that the past-due balance will be paid in the installments listed. Each installment is due on the date shown.`,
    tenant: 'Tenant',
    lease: 'Lease',
    date: 'Date',
    reference: 'Reference',
    schedule: 'Installments',
    dueDate: 'Due date',
    amount: 'Amount',
    total: 'Total',
    signature: 'Tenant signature',
    signedOn: 'Date signed',
  },
  es: {
    title: 'Acuerdo de plan de pagos',
    intro: (office: string) =>
      `${office} y el inquilino nombrado abajo acuerdan que el saldo vencido se pagará en las cuotas indicadas. Cada cuota vence en la fecha indicada.`,
    tenant: 'Inquilino',
    lease: 'Contrato',
    date: 'Fecha',
    reference: 'Referencia',
    schedule: 'Cuotas',
    dueDate: 'Vencimiento',
    amount: 'Importe',
    total: 'Total',
    signature: 'Firma del inquilino',
    signedOn: 'Fecha de firma',
  },
} as const;

export const localeOf = (language: string): Locale =>
  language.toLowerCase().startsWith('es') ? 'es' : 'en';

export function planTitle(language: string): string {
  return LABELS[localeOf(language)].title;
}

export async function renderPlanPdf(d: PlanDocument): Promise<RenderedPdf> {
  const locale = localeOf(d.language);
  const L = LABELS[locale];
  const money = (cents: number) => formatMoney(cents, locale);
  const w = openPdf({
    title: L.title,
    subject: d.plan.outboxKey,
    author: d.officeName,
    lang: locale === 'es' ? 'es-US' : 'en-US',
    date: d.date,
  });
  const { doc } = w;
  doc.font(FONT.bold).fontSize(15).text(pdfSafe(L.title), PAGE.margin, PAGE.margin, {
    width: CONTENT_WIDTH,
  });
  doc.moveDown(0.6);
  field(w, L.tenant, d.tenantName);
  field(w, L.lease, d.plan.leaseId);
  field(w, L.date, formatLongDate(d.date, locale));
  field(w, L.reference, d.plan.outboxKey);
  doc.moveDown(0.6);
  doc
    .font(FONT.regular)
    .fontSize(10)
    .text(pdfSafe(L.intro(d.officeName)), PAGE.margin, undefined, {
      width: CONTENT_WIDTH,
    });

  heading(w, L.schedule);
  table(
    w,
    [
      { header: '#', width: 40, align: 'right' },
      { header: L.dueDate, width: 300 },
      { header: L.amount, width: CONTENT_WIDTH - 340, align: 'right' },
    ],
    [
      ...d.plan.installments.map((x, i) => [
        String(i + 1),
        formatLongDate(x.dueDate, locale),
        money(x.amountCents),
      ]),
      ['', L.total, money(d.plan.totalCents)],
    ],
    { bold: (row) => row === d.plan.installments.length },
  );

  w.ensureSpace(110);
  doc.moveDown(3);
  const y = doc.y;
  const line = (x: number, width: number, label: string, anchor?: string) => {
    if (anchor)
      doc
        .font(FONT.regular)
        .fontSize(8)
        .fillColor('#ffffff')
        .text(anchor, x, y - 12, {
          lineBreak: false,
        });
    doc
      .moveTo(x, y)
      .lineTo(x + width, y)
      .lineWidth(0.6)
      .strokeColor('#000000')
      .stroke();
    doc
      .font(FONT.regular)
      .fontSize(9)
      .fillColor('#000000')
      .text(pdfSafe(label), x, y + 4, {
        width,
        lineBreak: false,
      });
  };
  line(PAGE.margin, 280, `${L.signature}: ${d.tenantName}`, d.anchors?.signHere);
  line(PAGE.margin + 320, CONTENT_WIDTH - 320, L.signedOn, d.anchors?.dateSigned);
  return w.finish((page, pages) => `${L.title} · ${d.plan.outboxKey} · ${page}/${pages}`);
}
