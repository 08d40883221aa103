import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { fixedClock } from '../../app/ports/clock.js';
import { publicEventOf, type AuditFeedEntry } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { googleSheetsEnv, startGoogleSheetsFake, type GoogleSheetsFake } from './fake-server.js';
import { googlesheetsConnector } from './index.js';
import { LIST_HEADER, LOG_HEADER } from './map.js';

let fake: GoogleSheetsFake;
beforeEach(async () => {
  fake = await startGoogleSheetsFake();
});
afterEach(() => fake.close());

const harness = (env: Record<string, string> = {}, clock = fixedClock(Date.now())) =>
  connectorHarness(googlesheetsConnector, { ...googleSheetsEnv(fake), ...env }, { clock });

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 120000,
};

let seq = 0;
function caseEvent(
  type: string,
  data: Record<string, unknown>,
  over: { subject?: string; context?: CaseContext | null; seq?: number } = {},
): CaseEvent {
  const entry: AuditFeedEntry = {
    seq: over.seq ?? ++seq,
    at: `2026-10-${String(6 + (seq % 20)).padStart(2, '0')}T16:00:00.000Z`,
    actor: 'system:scan',
    type,
    subject: over.subject ?? 'lease:L1',
    data,
  };
  return { event: publicEventOf('default', entry)!, context: over.context ?? CONTEXT };
}
const opened = (over = {}) =>
  caseEvent('case.opened', { episode: 1, opened: '2026-10-06', policy: 'oak' }, over);
const closed = (over = {}) => caseEvent('case.closed', { episode: 1, outcome: 'paid' }, over);
const sent = (over = {}) =>
  caseEvent(
    'outbox.sent',
    { key: 'L1:1:late-notice:sms', leaseId: 'L1', provider: 'twilio', attempts: 1 },
    { subject: 'outbox:L1:1:late-notice:sms', ...over },
  );

const header = (sheet: string) => fake.rows(sheet)[0];
const statusOf = (leaseId: string) =>
  fake.leaseRow(leaseId)?.[fake.rows('Delinquency')[0]!.indexOf('status')];
const api = () => fake.requests.filter((r) => r.path.startsWith('/v4/'));

describe('googlesheets connector (Google Sheets API v4, reference §11)', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(googlesheetsConnector)).toEqual([]);
  });

  describe('auth: service-account JWT → access token', () => {
    it('signs an RS256 assertion the token endpoint verifies, and reuses the token', async () => {
      const h = harness();
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      expect(await h.instance.sink!.apply(sent())).toEqual({ ok: true });
      expect(fake.tokensIssued).toBe(1);
      const tokenRequest = fake.requests.find((r) => r.path === '/token')!;
      expect(tokenRequest.form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      const [head, claims] = tokenRequest.form
        .assertion!.split('.')
        .slice(0, 2)
        .map((p) => {
          return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<
            string,
            unknown
          >;
        });
      expect(head).toMatchObject({
        alg: 'RS256',
        typ: 'JWT',
        kid: fake.serviceAccount.private_key_id,
      });
      expect(claims).toMatchObject({
        iss: fake.serviceAccount.client_email,
        scope: 'https://www.googleapis.com/auth/spreadsheets',
        aud: fake.tokenUrl,
      });
      expect(Number(claims!.exp) - Number(claims!.iat)).toBe(3600);
      for (const r of api()) expect(r.headers.authorization).toMatch(/^Bearer ya29\.fake-/);
    });

    it('renews the token before it expires', async () => {
      const clock = fixedClock(Date.now());
      const h = harness({}, clock);
      await h.instance.sink!.apply(opened());
      clock.advance(3600_000);
      expect(await h.instance.sink!.apply(sent())).toEqual({ ok: true });
      expect(fake.tokensIssued).toBe(2);
    });

    it('a revoked token (401 UNAUTHENTICATED) is replaced once and the write goes through', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      fake.revokeTokens();
      expect(await h.instance.sink!.apply(sent())).toEqual({ ok: true });
      expect(fake.tokensIssued).toBe(2);
      expect(fake.leaseRow('L1')).toBeDefined();
    });

    it('CLIENT_EMAIL + PRIVATE_KEY work as well as the key file', async () => {
      const h = connectorHarness(googlesheetsConnector, {
        ARREARS_GOOGLESHEETS_CLIENT_EMAIL: fake.serviceAccount.client_email,
        ARREARS_GOOGLESHEETS_PRIVATE_KEY: fake.serviceAccount.private_key.replace(/\n/g, '\\n'),
        ARREARS_GOOGLESHEETS_SPREADSHEET_ID: fake.spreadsheetId,
        ARREARS_GOOGLESHEETS_BASE_URL: fake.url,
        ARREARS_GOOGLESHEETS_TOKEN_URL: fake.tokenUrl,
      });
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
    });

    it('a key Google does not know is refused (invalid_grant): the cursor waits, verify says so', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = {
        ...fake.serviceAccount,
        private_key: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
      const h = harness({ ARREARS_GOOGLESHEETS_SERVICE_ACCOUNT_JSON: JSON.stringify(forged) });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true });
      expect(outcome.ok === false && outcome.reason).toMatch(/invalid_grant Invalid JWT Signature/);
      expect(api()).toHaveLength(0);
      const health = await h.instance.verify();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/invalid_grant/);
      expect(health.detail).not.toContain('PRIVATE KEY');
    });

    it('no credentials at all: the sink holds and verify names the settings', async () => {
      const h = connectorHarness(googlesheetsConnector, {
        ARREARS_GOOGLESHEETS_SPREADSHEET_ID: fake.spreadsheetId,
        ARREARS_GOOGLESHEETS_BASE_URL: fake.url,
      });
      expect(await h.instance.sink!.apply(opened())).toMatchObject({ ok: false, retryable: true });
      expect((await h.instance.verify()).detail).toMatch(/SERVICE_ACCOUNT_JSON, or CLIENT_EMAIL/);
    });

    it('the token endpoint refuses a request without an assertion the OAuth way', async () => {
      const res = await fetch(fake.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: 'Missing assertion',
      });
    });
  });

  describe('the delinquency list: one row per lease, upserted by column A', () => {
    it('writes the header and the first row with values.update, RAW', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const put = api().find((r) => r.method === 'PUT')!;
      expect(decodeURIComponent(put.path)).toBe(
        `/v4/spreadsheets/${fake.spreadsheetId}/values/'Delinquency'!A1:I2`,
      );
      expect(Object.fromEntries(put.query)).toEqual({
        valueInputOption: 'RAW',
        includeValuesInResponse: 'false',
      });
      expect(put.json).toEqual({
        range: "'Delinquency'!A1:I2",
        majorDimension: 'ROWS',
        values: [
          [...LIST_HEADER],
          [
            'L1',
            'Ana Ruiz',
            'Oak Court',
            '12B',
            1200,
            '',
            'open',
            'case opened',
            expect.any(String),
          ],
        ],
      });
      expect(header('Delinquency')).toEqual([...LIST_HEADER]);
    });

    it('finds the lease by values.get and updates its row in place; a new lease is appended', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const other = { ...CONTEXT, leaseId: 'L2', unit: '3A', balanceCents: 5050 };
      await h.instance.sink!.apply(opened({ subject: 'lease:L2', context: other }));
      const append = api().find((r) => r.method === 'POST' && r.path.includes('Delinquency'))!;
      expect(append.path.endsWith(':append')).toBe(true);
      expect(Object.fromEntries(append.query)).toEqual({
        valueInputOption: 'RAW',
        insertDataOption: 'INSERT_ROWS',
      });
      expect(append.json).toMatchObject({ range: "'Delinquency'!A:I", majorDimension: 'ROWS' });

      fake.requests.length = 0;
      await h.instance.sink!.apply(sent());
      const [get, put] = api().filter((r) => r.path.includes('Delinquency'));
      expect(get!.method).toBe('GET');
      expect(decodeURIComponent(get!.path)).toMatch(/values\/'Delinquency'!A:I$/);
      expect(Object.fromEntries(get!.query)).toEqual({
        majorDimension: 'ROWS',
        valueRenderOption: 'UNFORMATTED_VALUE',
      });
      expect(put!.method).toBe('PUT');
      expect((put!.json as { range: string }).range).toBe("'Delinquency'!A2:I2");
      expect(fake.rows('Delinquency')).toHaveLength(3);
      expect(fake.leaseRow('L1')).toEqual([
        'L1',
        'Ana Ruiz',
        'Oak Court',
        '12B',
        '1200',
        'late-notice',
        'open',
        'sms sent',
        expect.any(String),
      ]);
      expect(fake.leaseRow('L2')?.[4]).toBe('50.5');
    });

    it('a case shows open, then closed (the `status` column)', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      expect(statusOf('L1')).toBe('open');
      await h.instance.sink!.apply(closed({ context: { ...CONTEXT, balanceCents: 0 } }));
      expect(statusOf('L1')).toBe('closed');
      expect(fake.leaseRow('L1')?.[LIST_HEADER.indexOf('last action')]).toBe('case closed: paid');
      expect(fake.leaseRow('L1')?.[LIST_HEADER.indexOf('balance')]).toBe('0');
    });

    it('adds a missing tab with batchUpdate addSheet, then writes', async () => {
      await fake.close();
      fake = await startGoogleSheetsFake({ sheets: [] });
      const h = harness();
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      const adds = api().filter((r) => r.path.endsWith(':batchUpdate'));
      expect(adds.map((r) => r.json)).toEqual([
        { requests: [{ addSheet: { properties: { title: 'Delinquency' } } }] },
        { requests: [{ addSheet: { properties: { title: 'Action log' } } }] },
      ]);
      expect(statusOf('L1')).toBe('open');
    });
  });

  describe('the action log: one row per event, replays skipped', () => {
    it('appends the event with its id first', async () => {
      const h = harness();
      const e = sent();
      await h.instance.sink!.apply(e);
      expect(fake.rows('Action log')).toEqual([
        [...LOG_HEADER],
        [
          e.event.id,
          e.event.occurredAt,
          'action.sent',
          'L1',
          '1',
          'late-notice',
          'sms',
          'via twilio',
        ],
      ]);
    });

    it('the same event twice is written once (same process, and after a restart)', async () => {
      const e = sent();
      const first = harness();
      await first.instance.sink!.apply(opened());
      await first.instance.sink!.apply(e);
      const list = fake.rows('Delinquency');
      expect(await first.instance.sink!.apply(e)).toEqual({ ok: true });
      const restarted = harness();
      expect(await restarted.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(fake.rows('Action log')).toHaveLength(3);
      expect(fake.rows('Delinquency')).toEqual(list);
    });
  });

  it('guards against formula injection: = + - @ get a leading apostrophe (RAW)', async () => {
    const h = harness();
    const context: CaseContext = {
      ...CONTEXT,
      unit: '+1 (555) 0100',
      tenant: { ...CONTEXT.tenant!, name: '=HYPERLINK("https://evil.example","pay here")' },
      property: { ...CONTEXT.property!, name: '@SUM(A1:A9)' },
      balanceCents: -2500,
    };
    await h.instance.sink!.apply(
      caseEvent(
        'outbox.failed',
        { key: 'L1:1:late-notice:sms', leaseId: 'L1', reason: '-1+1 bad' },
        {
          subject: 'outbox:L1:1:late-notice:sms',
          context,
        },
      ),
    );
    const row = fake.leaseRow('L1')!;
    expect(row[LIST_HEADER.indexOf('tenant')]).toBe(
      '\'=HYPERLINK("https://evil.example","pay here")',
    );
    expect(row[LIST_HEADER.indexOf('property')]).toBe("'@SUM(A1:A9)");
    expect(row[LIST_HEADER.indexOf('unit')]).toBe("'+1 (555) 0100");
    expect(row[LIST_HEADER.indexOf('balance')]).toBe('-25');
    expect(fake.rows('Action log')[1]![LOG_HEADER.indexOf('detail')]).toBe("'-1+1 bad");
    for (const r of api().filter((x) => x.method !== 'GET' && !x.path.endsWith(':batchUpdate')))
      expect(r.query.get('valueInputOption')).toBe('RAW');
  });

  describe('limits and outages', () => {
    it('429 RESOURCE_EXHAUSTED, then success', async () => {
      const h = harness();
      fake.quotaExceeded(1, 0);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      expect(fake.requests.filter((r) => r.path.startsWith('/v4/')).length).toBeGreaterThan(1);
      expect(statusOf('L1')).toBe('open');
    });

    it('a 429 asking for a long wait holds the cursor with retryAfterMs', async () => {
      const h = harness();
      fake.quotaExceeded(1, 120);
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 120_000 });
      expect(outcome.ok === false && outcome.reason).toMatch(/RESOURCE_EXHAUSTED/);
    });

    it('5xx on a read is retried in the call, then success', async () => {
      const h = harness();
      fake.serverError(1, 503);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      expect(statusOf('L1')).toBe('open');
    });

    it('5xx on an append is not repeated blindly: retryable, and the retry logs it once', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const e = sent();
      fake.fault(1, {
        status: 500,
        path: /Action%20log.*:append$/,
        body: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } },
      });
      const outcome = await h.instance.sink!.apply(e);
      expect(outcome).toMatchObject({ ok: false, retryable: true });
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(fake.rows('Action log').filter((r) => r[0] === e.event.id)).toHaveLength(1);
    });

    it('400 INVALID_ARGUMENT on a write is not retried: the event is skipped with the reason', async () => {
      const h = harness();
      fake.fault(1, {
        status: 400,
        path: /Delinquency/,
        body: {
          error: {
            code: 400,
            message: 'Invalid values[0][4]: struct_value',
            status: 'INVALID_ARGUMENT',
          },
        },
      });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(outcome.ok === false && outcome.reason).toMatch(/INVALID_ARGUMENT Invalid values/);
    });
  });

  it('a write without valueInputOption is refused the Google way', async () => {
    const h = harness();
    await h.instance.sink!.apply(opened()); // obtains a token
    const auth = api()[0]!.headers.authorization!;
    const range = encodeURIComponent("'Delinquency'!A2:I2");
    const res = await fetch(`${fake.url}/v4/spreadsheets/${fake.spreadsheetId}/values/${range}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ values: [['L9']] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 400,
        message: "'valueInputOption' is required but not specified",
        status: 'INVALID_ARGUMENT',
      },
    });
  });

  it('the API refuses a call without a token it issued (401 UNAUTHENTICATED)', async () => {
    const res = await fetch(
      `${fake.url}/v4/spreadsheets/${fake.spreadsheetId}/values/${encodeURIComponent("'Delinquency'!A:I")}`,
      { headers: { authorization: 'Bearer not-a-token' } },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
  });

  it('verify: ok against the fake, not ok for a spreadsheet it cannot see', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const wrong = await harness({ ARREARS_GOOGLESHEETS_SPREADSHEET_ID: 'nope' }).instance.verify();
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.detail).toMatch(/NOT_FOUND/);
  });
});
