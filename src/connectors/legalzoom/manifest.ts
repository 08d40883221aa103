/**
 * `legalzoom`: the legal hand-off. LegalZoom has NO public API for this (reference §15): no
 * developer portal, no partner API to place orders, track filings or fetch documents; its
 * only programmatic surface is a user-consented MCP server for AI assistants, which is not a
 * back-end order API and is not used. So this connector does what the reference calls the
 * realistic hand-off: it builds the lease's evidence packet and sends it, with a cover
 * letter, to the attorney (or LegalZoom-arranged counsel) configured here — attached to an
 * e-mail, or as an expiring signed link. A person places any order; its progress
 * (acknowledged, filed, returned) is recorded by staff with `arrears handoff`.
 */
import type { ConnectorManifest } from '../contract.js';

export const manifest: ConnectorManifest = {
  id: 'legalzoom',
  name: 'LegalZoom-style legal hand-off (no public API: packet by e-mail or link)',
  roles: ['legal'],
  docs:
    'reference/connectors-systems.md §15 LegalZoom: no public REST or partner API exists; ' +
    'the evidence packet of `arrears case packet` is e-mailed (SMTP) or linked to the attorney',
  auth: {
    mode: 'smtp',
    description:
      'no LegalZoom credentials (there is no API); mail goes through the SMTP server of the smtp connector (ARREARS_SMTP_URL, ARREARS_SMTP_FROM)',
  },
  // There is no LegalZoom API endpoint to call; the base URL is unused.
  baseUrl: 'https://www.legalzoom.com',
  settings: [
    {
      key: 'ATTORNEY_EMAIL',
      description: 'where hand-offs go: the attorney’s (or firm’s intake) e-mail address',
      secret: false,
      required: true,
    },
    {
      key: 'ATTORNEY_NAME',
      description: 'the attorney’s name for the cover letter’s salutation',
      secret: false,
      required: false,
    },
    {
      key: 'DELIVERY',
      description:
        '`attachment` (the packet attached to the e-mail) or `link` (an expiring signed link to it, for packets too large to mail)',
      secret: false,
      required: false,
      default: 'attachment',
    },
    {
      key: 'LINK_TTL_DAYS',
      description: 'days a hand-off link stays valid (DELIVERY=link)',
      secret: false,
      required: false,
      default: '14',
    },
    {
      key: 'LINK_SECRET',
      description:
        'the HMAC-SHA256 key hand-off links are signed with (required for DELIVERY=link; needs ARREARS_PUBLIC_URL)',
      secret: true,
      required: false,
    },
  ],
  capabilities: {
    sends: ['escalate:legal'],
    inbound: [],
    other: [
      'builds the evidence packet of `arrears case packet` (packet.pdf, mailed notices, manifest.json with sha256s) and a cover letter PDF',
      'e-mails it to ATTORNEY_EMAIL with the files attached, or with a link `${ARREARS_PUBLIC_URL}/handoffs/<token>` that expires after LINK_TTL_DAYS',
      'staff record prepared → sent → acknowledged → filed / returned with `arrears handoff LEASE --status S` (audit entries `handoff.status`)',
    ],
  },
  webhook: null,
  rateLimit: {
    requests: 1,
    perSeconds: 1,
    note: 'one e-mail per escalation; the SMTP server sets the pace',
  },
  verify: {
    method: 'SMTP',
    path: 'EHLO',
    description: 'connects to the SMTP server, greets and authenticates; sends nothing',
  },
  idempotency: {
    supported: false,
    description:
      'SMTP has no idempotency key: the Message-ID derives from the outbox key, and a send whose answer was lost is `unknown`, never repeated blindly',
  },
};
