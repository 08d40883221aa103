/**
 * The sandbox webhooks' pure parts: the signature check, multipart bodies, payload reading;
 * and the reply helpers of app/receive-reply.ts they feed (contact points, e-mail quotes,
 * HELP keywords, what a reply suggests and answers).
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../app/ports/clock.js';
import {
  autoResponseOf,
  contactPointOf,
  isHelpKeyword,
  latestEmailText,
  replyIdOf,
  replyText,
  suggestionKindOf,
} from '../../app/receive-reply.js';
import { classifyReply } from '../../domain/replies/classify.js';
import { fieldsOf, multipartBoundary, parseMultipart, readPayload } from './map.js';
import { signSandboxWebhook, verifySandboxSignature } from './webhooks.js';

const SECRET = 'whsec_sandbox';
const NOW = Date.parse('2026-10-06T16:00:00.000Z');
const T = NOW / 1000;

describe('verifySandboxSignature', () => {
  const clock = fixedClock(NOW);
  const body = Buffer.from('{"id":"evt_1","text":"STOP"}');

  it('accepts the HMAC of "<t>." + the exact bytes', () => {
    expect(
      verifySandboxSignature(SECRET, signSandboxWebhook(SECRET, body, T), body, clock),
    ).toEqual({ ok: true });
  });

  it('accepts any of several v1 values (a secret being rotated)', () => {
    const good = signSandboxWebhook(SECRET, body, T).split(',')[1]!;
    const old = signSandboxWebhook('old', body, T).split(',')[1]!;
    expect(verifySandboxSignature(SECRET, `t=${T},${old},${good}`, body, clock)).toEqual({
      ok: true,
    });
  });

  it('refuses other bytes, another secret, a missing or malformed header', () => {
    const header = signSandboxWebhook(SECRET, body, T);
    expect(verifySandboxSignature(SECRET, header, Buffer.from(`${body} `), clock)).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(
      verifySandboxSignature(SECRET, signSandboxWebhook('x', body, T), body, clock),
    ).toMatchObject({ ok: false });
    expect(verifySandboxSignature(SECRET, undefined, body, clock)).toMatchObject({
      ok: false,
      reason: 'no x-arrears-signature header',
    });
    expect(verifySandboxSignature(SECRET, 'v1=abc', body, clock)).toMatchObject({ ok: false });
    expect(verifySandboxSignature(SECRET, [header, header], body, clock)).toMatchObject({
      ok: false,
    });
  });

  it('refuses a timestamp more than 5 minutes away, either way', () => {
    for (const t of [T - 301, T + 301])
      expect(
        verifySandboxSignature(SECRET, signSandboxWebhook(SECRET, body, t), body, clock),
      ).toMatchObject({ ok: false, reason: 'signature timestamp outside the 300 s tolerance' });
    expect(
      verifySandboxSignature(SECRET, signSandboxWebhook(SECRET, body, T - 299), body, clock),
    ).toEqual({ ok: true });
  });
});

describe('multipart bodies', () => {
  const b = 'AaB03x';
  const raw = Buffer.from(
    `preamble\r\n--${b}\r\nContent-Disposition: form-data; name="from"\r\n\r\nAna <ana@example.com>\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="text"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLe pago el viernes\r\nmañana no\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a\\"b.png"\r\nContent-Type: image/png\r\n\r\n\u0000\u0001\r\n` +
      `--${b}--\r\nepilogue`,
  );

  it('reads the boundary, fields and file parts', () => {
    expect(multipartBoundary(`multipart/form-data; boundary="${b}"`)).toBe(b);
    expect(multipartBoundary('application/json')).toBeUndefined();
    const parts = parseMultipart(raw, b)!;
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['from', null],
      ['text', null],
      ['file', 'a"b.png'],
    ]);
    expect(parts[1]!.data.toString('utf8')).toBe('Le pago el viernes\r\nmañana no');
    expect(fieldsOf(undefined, raw, `multipart/form-data; boundary=${b}`)).toEqual({
      from: 'Ana <ana@example.com>',
      text: 'Le pago el viernes\r\nmañana no',
    });
  });

  it('is undefined when malformed', () => {
    expect(parseMultipart(Buffer.from('no boundary here'), b)).toBeUndefined();
    expect(
      parseMultipart(Buffer.from(`--${b}\r\nname="x"\r\n\r\nunterminated`), b),
    ).toBeUndefined();
  });
});

describe('readPayload', () => {
  it('tells a status from a message, and reads inbound-parse fields', () => {
    expect(readPayload({ messageId: 'SM1', status: 'Delivered' }, 'sms')).toMatchObject({
      kind: 'status',
      status: 'delivered',
      messageId: 'SM1',
    });
    expect(
      readPayload(
        {
          envelope: '{"from":"bounce@x.com","to":["office@x.com"]}',
          html: '<p>I paid</p><blockquote>Your rent is due</blockquote>',
          headers: 'Subject: hi\nMessage-ID: <m1@x>\n',
        },
        'email',
      ),
    ).toEqual({
      kind: 'received',
      channel: 'email',
      from: 'bounce@x.com',
      to: null,
      text: 'I paid',
      subject: null,
      messageId: '<m1@x>',
      receivedAt: undefined,
    });
    expect(readPayload({ from: '+1415', text: 'hi', channel: 'voice' }, 'sms')).toMatchObject({
      channel: 'voice',
    });
  });
});

describe('reply helpers', () => {
  it('normalises contact points: E.164 phones, lower-case e-mails', () => {
    expect(contactPointOf('sms', '(415) 555-0101')).toEqual({
      kind: 'phone',
      value: '+14155550101',
    });
    expect(contactPointOf('sms', '+1 415-555-0101')).toEqual({
      kind: 'phone',
      value: '+14155550101',
    });
    expect(contactPointOf('email', '"Ruiz, Ana" <Ana@Example.COM>')).toEqual({
      kind: 'email',
      value: 'ana@example.com',
    });
    expect(contactPointOf('chat', 'ana@example.com')).toEqual({
      kind: 'email',
      value: 'ana@example.com',
    });
    expect(contactPointOf('email', 'not an address')).toBeUndefined();
    expect(contactPointOf('sms', 'hello')).toBeUndefined();
  });

  it('keeps only the new text of an e-mail reply', () => {
    expect(
      latestEmailText(
        'I will pay on the 15th.\n\nOn Mon, Oct 5, 2026 at 9:00 AM Oak Court <\noffice@x.com> wrote:\n> Pay $1,500 by Friday',
      ),
    ).toBe('I will pay on the 15th.');
    expect(latestEmailText('Ya pagué.\r\n\r\nEl lun, 5 oct 2026 escribió:\r\n> Hola')).toBe(
      'Ya pagué.',
    );
    expect(latestEmailText('STOP\n\n-----Original Message-----\nFrom: office\nPlease pay')).toBe(
      'STOP',
    );
    expect(latestEmailText('Thanks\n-- \nAna Ruiz\n555-0101')).toBe('Thanks');
    expect(
      latestEmailText('On Friday I will pay $200\nOn Mon, Oct 5, 2026 Oak Court wrote:\n> Pay'),
    ).toBe('On Friday I will pay $200');
    expect(replyText('email', '> only a quote', 'Re: RE: STOP')).toBe('STOP');
    expect(replyText('sms', '  STOP  ')).toBe('STOP');
  });

  it('tells the HELP keyword from a request for help in words', () => {
    expect(isHelpKeyword('HELP')).toBe(true);
    expect(isHelpKeyword('Ayuda por favor')).toBe(true);
    expect(isHelpKeyword('info')).toBe(true);
    expect(isHelpKeyword('Can you help me with the portal?')).toBe(false);
  });

  it('what each intent suggests or answers', () => {
    const of = (text: string, channel: 'sms' | 'email' = 'sms') => {
      const c = classifyReply(text, '2026-10-06');
      const kw = c.intent === 'help' && isHelpKeyword(text);
      return [c.intent, suggestionKindOf(c, kw) ?? null, autoResponseOf(c, kw, channel) ?? null];
    };
    expect(of('STOP')).toEqual(['opt_out', null, 'opt-out-confirmation']);
    expect(of('STOP', 'email')).toEqual(['opt_out', null, null]);
    expect(of('UNSTOP')).toEqual(['opt_in', null, 'opt-in-confirmation']);
    expect(of('HELP', 'email')).toEqual(['help', null, 'help-response']);
    expect(of('can someone call me?')).toEqual(['help', 'callback', null]);
    expect(of("I'll pay Friday")).toEqual(['promise_to_pay', 'promise', null]);
    expect(of('I already paid')).toEqual(['paid_claim', 'paid_claim', null]);
    expect(of('wrong number')).toEqual(['wrong_number', 'wrong_number', null]);
    expect(of('ok')).toEqual(['other', null, null]);
  });

  it('gives the same message the same reply id, per provider', () => {
    expect(replyIdOf('sandbox-sms', 'SM1')).toBe(replyIdOf('sandbox-sms', 'SM1'));
    expect(replyIdOf('sandbox-sms', 'SM1')).not.toBe(replyIdOf('sandbox-email', 'SM1'));
    expect(replyIdOf('sandbox-sms', 'SM1')).toMatch(/^rp_[0-9a-f]{24}$/);
  });
});
