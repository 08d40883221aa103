/**
 * `legalzoom`: the legal hand-off of an `escalate` action with `to: legal` (SPEC 3.4, 11;
 * reference §15). LegalZoom has no public API for orders or filings, so nothing is sent to
 * LegalZoom: the lease's evidence packet (as `arrears case packet` builds it) and a cover
 * letter go to the configured attorney by e-mail over SMTP — attached, or as an expiring
 * signed link `${ARREARS_PUBLIC_URL}/handoffs/<token>`. Staff then record what the attorney
 * does (`arrears handoff LEASE --status acknowledged|filed|returned`).
 *
 * Configured by `ARREARS_LEGALZOOM_ATTORNEY_EMAIL`; mail goes through the smtp connector's
 * server (`ARREARS_SMTP_URL`, `ARREARS_SMTP_FROM`).
 *
 * What it needs from the composition root that ConnectorContext does not carry yet (see the
 * report): `packets` (the evidence packet of a lease, from storage), `settingsOf('smtp')`
 * (the smtp connector's settings; until then they are read from the process environment)
 * and `audit` (to record the `prepared` and `sent` steps; until then staff record `sent`).
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import { HANDOFF_AUDIT_TYPE, type HandoffAuditData } from '../../app/record-handoff.js';
import { InputError } from '../../domain/errors.js';
import { settingEnvName, type ConnectorModule } from '../contract.js';
import type { ConnectorContext } from '../context.js';
import { connectorSettings, type ConnectorSettings } from '../settings.js';
import { manifest as smtpManifest } from '../smtp/manifest.js';
import { createAttorneyMailer } from './client.js';
import { renderCoverLetter, type CoverLetter } from './cover-letter.js';
import { handoffToken, handoffUrl } from './handoff-link.js';
import { manifest } from './manifest.js';
import {
  attachmentName,
  coverLetterOf,
  handoffMail,
  isLegalEscalation,
  type HandoffSettings,
} from './map.js';
import type { EvidencePacket, EvidencePacketSource } from './packet.js';

/** The context the hand-off needs; the extra members are proposed for ConnectorContext. */
export interface LegalzoomContext extends ConnectorContext {
  packets?: EvidencePacketSource;
  settingsOf?(id: 'smtp'): ConnectorSettings;
  audit?(entry: { type: string; subject: string; data: Record<string, unknown> }): Promise<void>;
}

function handoffSettings(s: ConnectorSettings): HandoffSettings & { linkSecret?: string } {
  const delivery = s.require('DELIVERY').trim();
  if (delivery !== 'attachment' && delivery !== 'link')
    throw new InputError([
      { path: settingEnvName('legalzoom', 'DELIVERY'), message: 'must be `attachment` or `link`' },
    ]);
  const ttl = s.require('LINK_TTL_DAYS').trim();
  if (!/^\d{1,3}$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 365)
    throw new InputError([
      { path: settingEnvName('legalzoom', 'LINK_TTL_DAYS'), message: 'must be 1 to 365 days' },
    ]);
  const linkSecret = s.get('LINK_SECRET')?.trim() || undefined;
  if (delivery === 'link' && linkSecret === undefined)
    throw new InputError([
      {
        path: settingEnvName('legalzoom', 'LINK_SECRET'),
        message: 'DELIVERY=link signs its links with this secret; set it',
      },
    ]);
  return {
    attorneyEmail: s.require('ATTORNEY_EMAIL').trim(),
    attorneyName: s.get('ATTORNEY_NAME')?.trim() || null,
    delivery,
    linkTtlDays: Number(ttl),
    ...(linkSecret ? { linkSecret } : {}),
  };
}

const waiting = (reason: string): SendOutcome => ({ tag: 'retryable', reason });

export const legalzoomConnector: ConnectorModule = {
  manifest,
  create(context) {
    const ctx = context as LegalzoomContext;
    const settings = handoffSettings(ctx.settings);
    const smtp = ctx.settingsOf?.('smtp') ?? connectorSettings(smtpManifest, process.env);
    const smtpUrl = smtp.get('URL');
    const smtpFrom = smtp.get('FROM');
    const mailer =
      smtpUrl && smtpFrom ? createAttorneyMailer({ url: smtpUrl, from: smtpFrom }) : undefined;

    async function record(item: OutboxItem, packet: EvidencePacket, status: 'prepared' | 'sent') {
      if (!ctx.audit) return;
      const data: HandoffAuditData = {
        status,
        from: status === 'sent' ? 'prepared' : null,
        note: null,
        outboxKey: item.key,
        manifestSha256: packet.files.at(-1)!.sha256,
        delivery: settings.delivery,
      };
      try {
        await ctx.audit({
          type: HANDOFF_AUDIT_TYPE,
          subject: `lease:${item.leaseId}`,
          data: { ...data },
        });
      } catch (error) {
        // The mail is what matters; staff can record the step by hand.
        ctx.log.warn(
          { connector: 'legalzoom', key: item.key, status, error: (error as Error).message },
          'could not record the hand-off step',
        );
      }
    }

    async function handOff(item: OutboxItem, idempotencyKey: string): Promise<SendOutcome> {
      if (!isLegalEscalation(item))
        return {
          tag: 'rejected',
          code: 'not_legal',
          reason: 'the legal hand-off takes `escalate` actions with `to: legal` only',
        };
      if (!ctx.packets)
        return waiting('no evidence packet source: the connector context must carry `packets`');
      if (!mailer)
        return waiting(
          'set ARREARS_SMTP_URL and ARREARS_SMTP_FROM: hand-offs are mailed through the smtp connector’s server',
        );
      if (settings.delivery === 'link' && (!ctx.publicUrl || !ctx.packets.keep))
        return waiting(
          'DELIVERY=link needs ARREARS_PUBLIC_URL and a packet store that keeps the files',
        );

      let packet: EvidencePacket;
      try {
        packet = await ctx.packets.build(item.orgId, item.leaseId);
      } catch (error) {
        if (error instanceof InputError)
          return { tag: 'rejected', code: 'lease_not_found', reason: error.message };
        return waiting(`could not build the evidence packet: ${(error as Error).message}`);
      }
      await record(item, packet, 'prepared');

      let delivery: CoverLetter['delivery'] = { mode: 'attachment' };
      if (settings.delivery === 'link') {
        try {
          await ctx.packets.keep!(item.orgId, item, packet.files);
        } catch (error) {
          return waiting(`could not keep the packet for its link: ${(error as Error).message}`);
        }
        const expires = Math.floor(ctx.clock.now() / 1000) + settings.linkTtlDays * 86_400;
        const token = handoffToken(settings.linkSecret!, {
          orgId: item.orgId,
          leaseId: item.leaseId,
          key: item.key,
          manifestSha256: packet.files.at(-1)!.sha256,
          expiresAt: expires,
        });
        delivery = {
          mode: 'link',
          url: handoffUrl(ctx.publicUrl!, token),
          expiresAt: new Date(expires * 1000).toISOString(),
        };
      }

      const office = (await ctx.recipients.contactOf(item))?.office ?? null;
      const letter = coverLetterOf(packet, settings, office, item, delivery);
      const cover = await renderCoverLetter(letter);
      const mail = handoffMail(letter);
      const coverFile = {
        filename: 'cover-letter.pdf',
        content: cover.bytes,
        contentType: 'application/pdf',
      };
      const outcome = await mailer.send({
        to: settings.attorneyEmail,
        subject: mail.subject,
        text: mail.text,
        idempotencyKey,
        attachments:
          delivery.mode === 'link'
            ? [coverFile]
            : [
                coverFile,
                ...packet.files.map((f) => ({
                  filename: attachmentName(f.path),
                  content: f.bytes,
                  contentType: f.contentType,
                })),
              ],
      });
      if (outcome.tag === 'accepted') {
        await record(item, packet, 'sent');
        ctx.log.info(
          {
            connector: 'legalzoom',
            key: item.key,
            leaseId: item.leaseId,
            delivery: delivery.mode,
            files: packet.files.length,
          },
          'evidence packet handed off to the attorney',
        );
      }
      return outcome;
    }

    return {
      id: 'legalzoom',
      senders: {
        'escalate:legal': {
          id: 'legalzoom',
          idempotent: false,
          send: (item, sendCtx) => handOff(item, sendCtx.idempotencyKey),
        },
      },
      async verify() {
        if (!mailer)
          return {
            ok: false,
            detail:
              'ARREARS_SMTP_URL and ARREARS_SMTP_FROM are not set (the smtp connector’s server)',
          };
        const started = Date.now();
        try {
          await mailer.verify();
          return {
            ok: ctx.packets !== undefined,
            detail: `SMTP ${new URL(smtpUrl!).host} greeted and accepted the login; hand-offs go to ${settings.attorneyEmail}${ctx.packets ? '' : ' (but no evidence packet source is wired)'}`,
            latencyMs: Date.now() - started,
          };
        } catch (e) {
          return { ok: false, detail: `SMTP: ${(e as Error).message}` };
        }
      },
    };
  },
};
