/**
 * E-mail through a real SMTP server on loopback (smtp-server), parsed back with mailparser:
 * the planned words, the one-click unsubscribe headers, Spanish text, and what an SMTP
 * refusal or a lost answer becomes.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../app/ports/outbox.js';
import { createSmtpSender, smtpOutcome } from './smtp-sender.js';
import { readUnsubscribeToken, unsubscribeToken } from './unsubscribe-token.js';

const SECRET = 'test-unsubscribe-secret';

interface Received {
  from: string;
  to: string[];
  mail: ParsedMail;
}

async function smtpServer(options: { refuse?: number } = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (options.refuse)
            return callback(
              Object.assign(new Error('mailbox unavailable'), { responseCode: options.refuse }),
            );
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}?tls=off`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function item(over: Partial<OutboxItem> = {}): OutboxItem {
  return {
    orgId: 'default',
    key: 'L1:1:late-notice:email',
    leaseId: 'L1',
    episode: 1,
    stage: 'late-notice',
    action: 'email',
    type: 'message',
    channel: 'email',
    method: 'email',
    contactId: 'T2',
    status: 'dispatching',
    reason: null,
    payload: {
      template: 'late-notice',
      subject: 'Su renta está atrasada - Oak Court',
      body: 'Hola José, le escribe Oak Court. Su cuenta de la unidad 12B tiene un saldo vencido de $1,100.00.',
      locale: 'es',
    },
    pastDueCents: 110000,
    policyId: 'residential-ca',
    policyVersion: 1,
    amountCents: null,
    approvalsRequired: 1,
    version: 1,
    dueAt: '2026-10-06T16:00:00.000Z',
    attempts: 1,
    claimedBy: 'w1',
    claimExpiresAt: null,
    provider: null,
    providerId: null,
    createdAt: '2026-10-06T16:00:00.000Z',
    updatedAt: '2026-10-06T16:00:00.000Z',
    ...over,
  };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('e-mail over SMTP', () => {
  it('sends the planned words with one-click unsubscribe headers, in Spanish when planned so', async () => {
    const smtp = await smtpServer();
    servers.push(smtp);
    const sender = createSmtpSender({
      url: smtp.url,
      from: 'Oak Court <office@oakcourt.example>',
      recipientOf: () => Promise.resolve({ email: 'jose@example.com', name: 'José Pérez' }),
      unsubscribeUrl: (it) =>
        `https://arrears.example/unsubscribe/${unsubscribeToken(SECRET, { orgId: it.orgId, contactId: it.contactId! })}`,
    });
    const outcome = await sender.send(item(), { idempotencyKey: 'L1:1:late-notice:email' });
    expect(outcome.tag).toBe('accepted');
    expect(sender.idempotent).toBe(false);
    const [got] = smtp.received;
    expect(got!.to).toEqual(['jose@example.com']);
    expect(got!.from).toBe('office@oakcourt.example');
    expect(got!.mail.subject).toBe('Su renta está atrasada - Oak Court');
    expect(got!.mail.text).toContain('saldo vencido de $1,100.00');
    const header = (name: string) =>
      got!.mail.headerLines
        .find((h) => h.key === name)
        ?.line.slice(name.length + 1)
        .replace(/\s+/g, ' ')
        .trim();
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const link = header('list-unsubscribe') ?? '';
    expect(link).toMatch(/^<https:\/\/arrears\.example\/unsubscribe\/[^>]+>/);
    const token = /unsubscribe\/([^>\s]+)/.exec(link)?.[1];
    expect(readUnsubscribeToken(SECRET, token!)).toEqual({ orgId: 'default', contactId: 'T2' });
    expect(readUnsubscribeToken('another-secret', token!)).toBeNull();
    // The Message-ID comes from the outbox key: a repeat is recognisable downstream.
    expect(got!.mail.messageId).toMatch(/^<[0-9a-f]{32}@oakcourt\.example>$/);
  });

  it('a permanent refusal is rejected; a contact without an address is rejected without sending', async () => {
    const smtp = await smtpServer({ refuse: 550 });
    servers.push(smtp);
    const sender = createSmtpSender({
      url: smtp.url,
      from: 'office@oakcourt.example',
      recipientOf: (it) =>
        Promise.resolve(it.contactId === 'T2' ? { email: 'jose@example.com' } : null),
    });
    expect(await sender.send(item(), { idempotencyKey: 'k1' })).toMatchObject({
      tag: 'rejected',
      code: '550',
    });
    expect(await sender.send(item({ contactId: 'T9' }), { idempotencyKey: 'k2' })).toMatchObject({
      tag: 'rejected',
      code: 'no_address',
    });
  });

  it('nothing listening is retryable; an answer lost after the data went out is unknown', async () => {
    const sender = createSmtpSender({
      url: 'smtp://127.0.0.1:9?tls=off',
      from: 'office@oakcourt.example',
      recipientOf: () => Promise.resolve({ email: 'ana@example.com' }),
      timeoutMs: 2000,
    });
    expect((await sender.send(item(), { idempotencyKey: 'k' })).tag).toBe('retryable');
    expect(smtpOutcome({ command: 'DATA', code: 'ETIMEDOUT', message: 'timeout' }).tag).toBe(
      'unknown',
    );
    expect(smtpOutcome({ responseCode: 451, response: '451 try later' }).tag).toBe('retryable');
  });
});
