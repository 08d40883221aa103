/**
 * The sender for `document` items delivered by mail (certified, certified with e-return
 * receipt, first class, first class with certificate of mailing). For each delivery:
 *
 * 1. read the lease, its contacts and its policy again and build the notice for today's
 *    local date at the property (the mailing date the deadline counts from);
 * 2. render it to PDF and store the bytes, content-addressed (the same bytes once);
 * 3. hand the PDF to the print-and-mail provider, which answers with its letter id, a
 *    tracking number and, for certified mail or a certificate of mailing, its reference;
 * 4. record the proof of service (method, provider, ids, tracking, certificate, document
 *    hash, mailing date, recipient and deadline as mailed).
 *
 * Print-and-mail is at most once (SPEC principle 2): the sender is not idempotent, so a
 * send whose answer was lost becomes `unknown` for a person to resolve, never a second
 * letter. A notice that cannot be made (no address, a method the statute does not accept)
 * is `rejected` with the reason as its code.
 *
 * Registered for the four postal methods (`postalDocumentRoutes`); e-mailed and portal
 * documents go through their own senders.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../app/ports/clock.js';
import type { OutboxItem, Sender, SendOutcome } from '../app/ports/outbox.js';
import type { PolicyStore } from '../app/ports/policies.js';
import type { PortfolioStore } from '../app/ports/portfolio.js';
import type { DocumentStore, NoticeRenderer, RenderedDocument } from '../app/ports/documents.js';
import type { LocalDate } from '../domain/dates.js';
import { buildNotice, NoticeError, type NoticeModel } from '../domain/documents/notice.js';
import {
  isPostalDeliveryMethod,
  POSTAL_DELIVERY_METHODS,
  proofId,
  serviceMethodOf,
  type PostalDeliveryMethod,
} from '../domain/documents/proof.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { epochToLocal } from '../domain/time.js';

// ---------------------------------------------------------------------------------------
// The print-and-mail provider (Lob-style): what the sender needs from one.

export interface PrintMailRequest {
  /** The outbox key: a provider that dedupes on it mails one letter however often asked. */
  idempotencyKey: string;
  method: PostalDeliveryMethod;
  document: { sha256: string; bytes: Uint8Array; pages: number };
  to: { name: string; addressLines: string[] };
  from: { name: string; addressLines: string[] };
  /** Local date the letter goes in the mail. */
  mailDate: LocalDate;
}

export type PrintMailAnswer =
  | {
      tag: 'accepted';
      /** The provider's letter id. */
      providerId: string;
      trackingNumber: string;
      /** Certified-mail receipt or certificate-of-mailing number; null for plain first class. */
      certificateRef: string | null;
    }
  | Exclude<SendOutcome, { tag: 'accepted' }>;

export interface PrintMailProvider {
  readonly id: string;
  readonly idempotent: boolean;
  mail(request: PrintMailRequest, signal?: AbortSignal): Promise<PrintMailAnswer>;
}

/** What the sandbox provider would have mailed. */
export interface SandboxMailing {
  key: string;
  providerId: string;
  trackingNumber: string;
  certificateRef: string | null;
  method: PostalDeliveryMethod;
  to: { name: string; addressLines: string[] };
  from: { name: string; addressLines: string[] };
  sha256: string;
  byteSize: number;
  pages: number;
  mailDate: LocalDate;
  /** How many times the key was asked for (one letter, however many requests). */
  requests: number;
}

export interface SandboxPrintMail extends PrintMailProvider {
  mailings(): SandboxMailing[];
  byTracking(trackingNumber: string): SandboxMailing | undefined;
}

/** `n` decimal digits drawn from the hash of `seed` (stable, no randomness). */
function digits(seed: string, n: number): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return BigInt(`0x${hex}`).toString().slice(0, n).padStart(n, '0');
}

/**
 * The default postal provider (SPEC 9: sandbox unless configured): mails nothing, remembers
 * each letter, and answers like a print-and-mail API with ids derived from the key, so the
 * same delivery always gets the same letter id and tracking number.
 */
export function createSandboxPrintMail(options: { id?: string } = {}): SandboxPrintMail {
  const byKey = new Map<string, SandboxMailing>();
  return {
    id: options.id ?? 'postal-sandbox',
    // At most once, like the real thing: a lost answer is resolved by a person.
    idempotent: false,
    mail(req) {
      const seen = byKey.get(req.idempotencyKey);
      if (seen) {
        seen.requests++;
        return Promise.resolve(answerOf(seen));
      }
      const certified = req.method.startsWith('certified');
      // USPS-shaped: 9407… for certified mail, 9400… for tracked first class.
      const trackingNumber = `${certified ? '9407' : '9400'}${digits(`${req.idempotencyKey}#t`, 18)}`;
      const certificateRef =
        req.method === 'first_class_certificate_of_mailing'
          ? `PS3817-${digits(`${req.idempotencyKey}#c`, 10)}`
          : certified
            ? `PS3800-${trackingNumber}${req.method === 'certified_mail_e_return_receipt' ? '-ERR' : ''}`
            : null;
      const mailing: SandboxMailing = {
        key: req.idempotencyKey,
        providerId: `ltr_${createHash('sha256').update(req.idempotencyKey).digest('hex').slice(0, 24)}`,
        trackingNumber,
        certificateRef,
        method: req.method,
        to: req.to,
        from: req.from,
        sha256: req.document.sha256,
        byteSize: req.document.bytes.byteLength,
        pages: req.document.pages,
        mailDate: req.mailDate,
        requests: 1,
      };
      byKey.set(req.idempotencyKey, mailing);
      return Promise.resolve(answerOf(mailing));
    },
    mailings: () => [...byKey.values()],
    byTracking: (t) => [...byKey.values()].find((m) => m.trackingNumber === t),
  };
}

function answerOf(m: SandboxMailing): PrintMailAnswer {
  return {
    tag: 'accepted',
    providerId: m.providerId,
    trackingNumber: m.trackingNumber,
    certificateRef: m.certificateRef,
  };
}

// ---------------------------------------------------------------------------------------
// The sender

export interface DocumentSenderDeps<Tx> {
  clock: Clock;
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  policies: Pick<PolicyStore, 'current'>;
  documents: Pick<DocumentStore<Tx>, 'storeDocument' | 'recordProof'>;
  render: NoticeRenderer;
  provider: PrintMailProvider;
  /** The "pay online" link of a delivery, when the organisation has one. */
  payLink?: (item: OutboxItem) => string | undefined;
}

const ACTOR = 'system:document-sender';

const rejected = (code: string, reason: string): SendOutcome => ({ tag: 'rejected', code, reason });

export function createDocumentSender<Tx>(deps: DocumentSenderDeps<Tx>): Sender {
  return {
    id: deps.provider.id,
    idempotent: deps.provider.idempotent,
    async send(item, ctx) {
      const method = item.method;
      if (item.type !== 'document' || method === null || !isPostalDeliveryMethod(method))
        return rejected(
          'unsupported_method',
          `the postal document sender mails documents by ${POSTAL_DELIVERY_METHODS.join(', ')}, not ${item.type} by ${method ?? 'no method'}`,
        );
      const template = typeof item.payload.template === 'string' ? item.payload.template : '';
      if (item.contactId === null || template === '')
        return rejected('incomplete_item', 'the delivery names no contact or no template');

      const nowMs = deps.clock.now();
      const at = new Date(nowMs).toISOString();
      // Until the provider is called nothing has left: a failure here is safe to retry
      // (a thrown error would count as a lost answer and make the item `unknown`).
      let prepared:
        { notice: NoticeModel; pdf: RenderedDocument; servedOn: LocalDate } | SendOutcome;
      try {
        prepared = await prepare(deps, item, method, item.contactId, template, nowMs, at);
      } catch (e) {
        return {
          tag: 'retryable',
          reason: `not mailed: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
      if ('tag' in prepared) return prepared;
      const { notice, pdf, servedOn } = prepared;

      const answer = await deps.provider.mail(
        {
          idempotencyKey: ctx.idempotencyKey,
          method,
          document: { sha256: pdf.sha256, bytes: pdf.bytes, pages: pdf.pages },
          to: { name: notice.recipient.name, addressLines: notice.recipient.addressLines },
          from: { name: notice.letterhead.name, addressLines: notice.letterhead.addressLines },
          mailDate: servedOn,
        },
        ctx.signal,
      );
      if (answer.tag !== 'accepted') return answer;

      await deps.documents.recordProof(
        item.orgId,
        {
          id: proofId(item.key, answer.providerId),
          outboxKey: item.key,
          leaseId: item.leaseId,
          contactId: item.contactId,
          method: serviceMethodOf(method)!,
          provider: deps.provider.id,
          providerId: answer.providerId,
          trackingNumber: answer.trackingNumber,
          certificateRef: answer.certificateRef,
          documentSha256: pdf.sha256,
          servedOn,
          mailedAt: at,
          data: {
            deliveryMethod: method,
            template: notice.templateKey,
            locale: notice.locale,
            recipient: { name: notice.recipient.name, addressLines: notice.recipient.addressLines },
            pastDueCents:
              notice.demand === 'rent_only'
                ? notice.balance.pastDueRentCents
                : notice.balance.pastDueCents,
            demand: notice.demand,
            ...(notice.statutory
              ? {
                  rule: notice.statutory.ruleId,
                  deadline: notice.statutory.deadline,
                  citation: notice.statutory.citation,
                }
              : {}),
            pages: pdf.pages,
          },
        },
        ACTOR,
        at,
      );
      return { tag: 'accepted', externalId: answer.providerId };
    },
  };
}

/** The notice for today, rendered and stored; or why it cannot be made. */
async function prepare<Tx>(
  deps: DocumentSenderDeps<Tx>,
  item: OutboxItem,
  method: PostalDeliveryMethod,
  contactId: string,
  template: string,
  nowMs: number,
  at: string,
): Promise<{ notice: NoticeModel; pdf: RenderedDocument; servedOn: LocalDate } | SendOutcome> {
  const policies = (await deps.policies.current(item.orgId)).map((s) => s.policy);
  const slice = await deps.portfolio.loadPortfolio(item.orgId, [item.leaseId]);
  const input = leaseInputs(slice, policies).inputs[0];
  if (!input) return rejected('no_lease', `lease ${item.leaseId} is gone or no policy governs it`);
  const servedOn = epochToLocal(nowMs, input.property.timezone).date;
  let notice: NoticeModel;
  try {
    const payLink = deps.payLink?.(item);
    notice = buildNotice({
      lease: input,
      contactId,
      episode: item.episode,
      templateId: template,
      method,
      servedOn,
      reference: item.key,
      ...(payLink ? { payLink } : {}),
    });
  } catch (e) {
    if (e instanceof NoticeError) return rejected(e.code, e.message);
    throw e;
  }
  const pdf = await deps.render(notice);
  await deps.documents.storeDocument(
    item.orgId,
    {
      bytes: pdf.bytes,
      contentType: 'application/pdf',
      leaseId: item.leaseId,
      outboxKey: item.key,
      template: notice.templateKey,
    },
    ACTOR,
    at,
  );
  return { notice, pdf, servedOn };
}

/** The routes that send mailed documents through `sender` (see outbox/senders.ts). */
export function postalDocumentRoutes(sender: Sender): Record<string, Sender> {
  return Object.fromEntries(POSTAL_DELIVERY_METHODS.map((m) => [`document:${m}`, sender]));
}
