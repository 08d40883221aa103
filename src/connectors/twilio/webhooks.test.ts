import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InboundWebhookRequest } from '../../app/ports/webhooks.js';
import { signedUrlVariants, twilioSignature, verifyTwilioRequest } from './webhooks.js';

const TOKEN = 'twilio-auth-token';

function request(
  url: string,
  params: Record<string, string> | URLSearchParams,
  signature: string | undefined,
): InboundWebhookRequest {
  const body = new URLSearchParams(params).toString();
  return {
    url,
    rawBody: Buffer.from(body),
    body: undefined,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
  };
}

describe('X-Twilio-Signature', () => {
  it('matches Twilio’s published example (twilio-php docs/usage/validation.rst)', () => {
    // Not in reference/connectors-messaging.md; Twilio's own SDK documentation example.
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(
      verifyTwilioRequest('12345', request(url, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')),
    ).toMatchObject({ ok: true });
  });

  it('is the URL then each param as name+value, names sorted, without separators', () => {
    const data = 'https://a.example/h?x=1' + 'Aa1' + 'Bodyhi there' + 'b2';
    const mac = createHmac('sha1', TOKEN).update(data).digest('base64');
    expect(
      twilioSignature(TOKEN, 'https://a.example/h?x=1', { b: '2', Body: 'hi there', Aa: '1' }),
    ).toBe(mac);
  });

  it('accepts the URL signed with or without the default port, as the SDK does', () => {
    expect(signedUrlVariants('https://arrears.example.com/webhooks/twilio?a=1')).toEqual([
      'https://arrears.example.com/webhooks/twilio?a=1',
      'https://arrears.example.com:443/webhooks/twilio?a=1',
    ]);
    const params = { MessageSid: 'SM1', MessageStatus: 'sent' };
    const withPort = twilioSignature(
      TOKEN,
      'https://arrears.example.com:443/webhooks/twilio',
      params,
    );
    const without = twilioSignature(TOKEN, 'https://arrears.example.com/webhooks/twilio', params);
    expect(withPort).not.toBe(without);
    for (const url of [
      'https://arrears.example.com/webhooks/twilio',
      'https://arrears.example.com:443/webhooks/twilio',
    ])
      for (const sig of [withPort, without])
        expect(verifyTwilioRequest(TOKEN, request(url, params, sig))).toMatchObject({ ok: true });
    // Another port is another URL.
    const other = twilioSignature(
      TOKEN,
      'https://arrears.example.com:8443/webhooks/twilio',
      params,
    );
    expect(
      verifyTwilioRequest(
        TOKEN,
        request('https://arrears.example.com/webhooks/twilio', params, other),
      ),
    ).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('signs each value of a repeated param, sorted', () => {
    const params = new URLSearchParams([
      ['MediaUrl', 'https://m/2'],
      ['MediaUrl', 'https://m/1'],
      ['Body', 'x'],
    ]);
    const url = 'https://arrears.example.com/webhooks/twilio';
    const sig = twilioSignature(TOKEN, url, params);
    expect(sig).toBe(
      createHmac('sha1', TOKEN)
        .update(`${url}BodyxMediaUrlhttps://m/1MediaUrlhttps://m/2`)
        .digest('base64'),
    );
    expect(verifyTwilioRequest(TOKEN, request(url, params, sig))).toMatchObject({ ok: true });
  });

  it('refuses a request without the header, or signed with another token', () => {
    const url = 'https://arrears.example.com/webhooks/twilio';
    const params = { MessageSid: 'SM1' };
    expect(verifyTwilioRequest(TOKEN, request(url, params, undefined))).toEqual({
      ok: false,
      reason: 'no X-Twilio-Signature header',
    });
    expect(
      verifyTwilioRequest(TOKEN, request(url, params, twilioSignature('other', url, params))),
    ).toEqual({ ok: false, reason: 'signature mismatch' });
  });
});
