import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { ANCHORS } from './map.js';
import { renderPlanPdf, type PlanDocument } from './plan-pdf.js';

const FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: FONTS,
    useSystemFonts: false,
    isEvalSupported: false,
  }).promise;
  const parts: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    for (const item of content.items) if ('str' in item) parts.push(item.str);
  }
  await pdf.destroy();
  return parts.join(' ').replace(/\s+/g, ' ');
}

const doc = (over: Partial<PlanDocument> = {}): PlanDocument => ({
  plan: {
    leaseId: 'L1',
    outboxKey: 'L1:1:payment-plan:esign',
    installments: [
      { dueDate: '2026-11-01', amountCents: 40000 },
      { dueDate: '2026-12-01', amountCents: 45050 },
    ],
    totalCents: 85050,
  },
  tenantName: 'Ana Ruiz',
  officeName: 'Oak Court',
  date: '2026-10-06',
  language: 'en',
  anchors: ANCHORS,
  ...over,
});

describe('the payment-plan agreement PDF', () => {
  it('states the tenant, lease, installments and total, with the signature anchors', async () => {
    const text = await pdfText((await renderPlanPdf(doc())).bytes);
    for (const part of [
      'Payment plan agreement',
      'Ana Ruiz',
      'L1:1:payment-plan:esign',
      'November 1, 2026',
      '$400.00',
      'December 1, 2026',
      '$450.50',
      'Total',
      '$850.50',
      'Tenant signature',
      ANCHORS.signHere,
      ANCHORS.dateSigned,
    ])
      expect(text).toContain(part);
  });

  it('speaks the tenant’s language, and carries no anchors when none are asked for', async () => {
    const text = await pdfText(
      (await renderPlanPdf(doc({ language: 'es', anchors: undefined }))).bytes,
    );
    expect(text).toContain('Acuerdo de plan de pagos');
    expect(text).toContain('Firma del inquilino');
    expect(text).not.toContain(ANCHORS.signHere);
  });

  it('is the same bytes every time', async () => {
    const [a, b] = await Promise.all([renderPlanPdf(doc()), renderPlanPdf(doc())]);
    expect(a.sha256).toBe(b.sha256);
    expect(a.pages).toBe(1);
  });
});
