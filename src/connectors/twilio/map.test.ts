import { describe, expect, it } from 'vitest';
import {
  callbackOf,
  fallbackEventIdOf,
  gatherActionUrl,
  gatherAnswerTwiml,
  noticeTwiml,
  smsForm,
  voiceLocaleOf,
} from './map.js';

const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const HOOK = 'https://arrears.example.com/webhooks/twilio';

describe('the TwiML of a notice call', () => {
  const action = gatherActionUrl({
    webhookUrl: HOOK,
    key: 'L1:1:late-notice:voice',
    officePhone: '+14155550100',
    language: 'es',
  });

  it('puts the item key, the office phone and the voice language in the gather action', () => {
    expect(action).toBe(
      `${HOOK}?gather=L1%3A1%3Alate-notice%3Avoice&office=%2B14155550100&lang=es-MX`,
    );
  });

  it('says the notice in the tenant’s language, then offers key 1 for the office', () => {
    expect(
      noticeTwiml({
        text: 'Hola Ana, su renta de $1,200.00 está vencida.',
        language: 'es',
        officeName: 'Oak Court',
        gatherAction: action,
      }),
    ).toBe(
      XML +
        '<Response>' +
        '<Say language="es-MX">Hola Ana, su renta de $1,200.00 está vencida.</Say>' +
        '<Gather input="dtmf" numDigits="1" action="https://arrears.example.com/webhooks/twilio?gather=L1%3A1%3Alate-notice%3Avoice&amp;office=%2B14155550100&amp;lang=es-MX" method="POST">' +
        '<Say language="es-MX">Para hablar con Oak Court, marque 1.</Say>' +
        '</Gather>' +
        '</Response>',
    );
  });

  it('speaks English to an English-speaking tenant', () => {
    expect(
      noticeTwiml({
        text: 'Your rent is past due.',
        language: 'en',
        officeName: 'Oak Court',
        gatherAction: `${HOOK}?gather=k`,
      }),
    ).toBe(
      XML +
        '<Response><Say language="en-US">Your rent is past due.</Say>' +
        `<Gather input="dtmf" numDigits="1" action="${HOOK}?gather=k" method="POST">` +
        '<Say language="en-US">To speak with Oak Court, press 1.</Say></Gather></Response>',
    );
  });

  it('escapes the notice and the office name as XML', () => {
    const twiml = noticeTwiml({
      text: 'Pay <now> & "save" Ana\'s fee',
      language: 'en-US',
      officeName: "O'Brien & Sons <Lofts>",
      gatherAction: `${HOOK}?a=1&b=2`,
    });
    expect(twiml).toContain(
      '<Say language="en-US">Pay &lt;now&gt; &amp; &quot;save&quot; Ana&apos;s fee</Say>',
    );
    expect(twiml).toContain(`action="${HOOK}?a=1&amp;b=2"`);
    expect(twiml).toContain('To speak with O&apos;Brien &amp; Sons &lt;Lofts&gt;, press 1.');
  });

  it('only reads the notice when there is no office to connect to', () => {
    expect(
      noticeTwiml({ text: 'Aviso', language: 'es', officeName: 'Oak Court', gatherAction: null }),
    ).toBe(`${XML}<Response><Say language="es-MX">Aviso</Say></Response>`);
  });

  it('a tenant speaking neither English nor Spanish hears the notice in their language, our offer in English', () => {
    const twiml = noticeTwiml({
      text: 'Votre loyer est en retard.',
      language: 'fr',
      officeName: 'Oak Court',
      gatherAction: `${HOOK}?gather=k`,
    });
    expect(twiml).toContain('<Say language="fr-FR">Votre loyer est en retard.</Say>');
    expect(twiml).toContain('<Say language="en-US">To speak with Oak Court, press 1.</Say>');
  });
});

describe('the answer to a key press', () => {
  it('1 dials the office', () => {
    expect(gatherAnswerTwiml({ digits: '1', officePhone: '+14155550100', language: 'es-MX' })).toBe(
      `${XML}<Response><Say language="es-MX">Le comunicamos ahora.</Say>` +
        '<Dial>+14155550100</Dial></Response>',
    );
  });

  it('any other key says goodbye and hangs up', () => {
    expect(gatherAnswerTwiml({ digits: '2', officePhone: '+14155550100', language: 'en-US' })).toBe(
      `${XML}<Response><Say language="en-US">Goodbye.</Say><Hangup/></Response>`,
    );
    expect(
      gatherAnswerTwiml({ digits: undefined, officePhone: undefined, language: 'es-MX' }),
    ).toBe(`${XML}<Response><Say language="es-MX">Adiós.</Say><Hangup/></Response>`);
  });

  it('never dials something that is not a phone number', () => {
    expect(
      gatherAnswerTwiml({ digits: '1', officePhone: '+1415<Play>x</Play>', language: undefined }),
    ).toBe(`${XML}<Response><Say language="en-US">Goodbye.</Say><Hangup/></Response>`);
  });
});

describe('voice languages', () => {
  it.each([
    ['es', 'es-MX'],
    ['en', 'en-US'],
    ['es-US', 'es-US'],
    ['en-gb', 'en-GB'],
    ['fr', 'fr-FR'],
    ['xx', 'en-US'],
    ['', 'en-US'],
  ])('%s → %s', (language, locale) => expect(voiceLocaleOf(language)).toBe(locale));
});

describe('an SMS', () => {
  it('names its sender by number or by Messaging Service', () => {
    expect(smsForm({ to: '+1', body: 'b', sender: { from: '+2' }, statusCallback: HOOK })).toEqual({
      To: '+1',
      From: '+2',
      Body: 'b',
      StatusCallback: HOOK,
    });
    expect(smsForm({ to: '+1', body: 'b', sender: { messagingServiceSid: 'MG1' } })).toEqual({
      To: '+1',
      MessagingServiceSid: 'MG1',
      Body: 'b',
    });
  });
});

describe('what a callback is', () => {
  const q = (s = '') => new URLSearchParams(s);
  const p = (o: Record<string, string>) => new URLSearchParams(o);

  it('an inbound SMS', () => {
    const cb = callbackOf(
      p({ MessageSid: 'SM1', SmsStatus: 'received', From: '+1', To: '+2', Body: 'Stop' }),
      q(),
    );
    expect(cb).toEqual({
      kind: 'inbound_sms',
      messageSid: 'SM1',
      from: '+1',
      to: '+2',
      text: 'Stop',
    });
    expect(fallbackEventIdOf(cb)).toBe('SM1:received');
  });

  it('Advanced Opt-Out’s keyword wins over the words the tenant used', () => {
    const cb = callbackOf(
      p({ MessageSid: 'SM1', SmsStatus: 'received', From: '+1', Body: 'Baja', OptOutType: 'STOP' }),
      q(),
    );
    expect(cb).toMatchObject({ kind: 'inbound_sms', text: 'STOP' });
  });

  it('message statuses: final ones are receipts, intermediate ones are not', () => {
    const status = (s: string, extra: Record<string, string> = {}) =>
      callbackOf(p({ MessageSid: 'SM1', MessageStatus: s, SmsStatus: s, ...extra }), q());
    expect(status('delivered')).toMatchObject({ status: 'delivered', errorCode: null });
    expect(status('undelivered', { ErrorCode: '30003' })).toMatchObject({
      status: 'undelivered',
      errorCode: '30003',
    });
    expect(status('failed', { ErrorCode: '30008' })).toMatchObject({ status: 'failed' });
    for (const s of ['queued', 'sending', 'sent', 'accepted'])
      expect(status(s)).toMatchObject({ kind: 'message_status', status: null });
    expect(fallbackEventIdOf(status('sent'))).toBe('SM1:sent');
    expect(fallbackEventIdOf(status('delivered'))).toBe('SM1:delivered');
  });

  it('call statuses', () => {
    const call = (s: string) => callbackOf(p({ CallSid: 'CA1', CallStatus: s }), q());
    expect(call('completed')).toMatchObject({ kind: 'call_status', status: 'delivered' });
    for (const s of ['busy', 'no-answer', 'failed', 'canceled'])
      expect(call(s)).toMatchObject({ status: 'undelivered', twilioStatus: s });
    expect(call('ringing')).toMatchObject({ status: null });
  });

  it('a key press, with what the gather URL carries', () => {
    expect(
      callbackOf(
        p({ CallSid: 'CA1', CallStatus: 'in-progress', Digits: '1' }),
        q('gather=L1%3A1&office=%2B14155550100&lang=es-MX'),
      ),
    ).toEqual({
      kind: 'gather',
      callSid: 'CA1',
      key: 'L1:1',
      digits: '1',
      officePhone: '+14155550100',
      language: 'es-MX',
    });
  });
});
