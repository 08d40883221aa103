import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { postCallback } from '../fake/fake-http.js';
import { publicEventOf, type AuditFeedEntry } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { hmac } from '../signing.js';
import { startSmartsheetFake, type SignedCallback, type SmartsheetFake } from './fake-server.js';
import { smartsheetConnector } from './index.js';

const SHARED_SECRET = 'smartsheet-shared-secret-for-tests';

let fake: SmartsheetFake;
beforeEach(async () => {
  fake = await startSmartsheetFake();
});
afterEach(() => fake.close());

const harness = (over: Record<string, string | undefined> = {}) =>
  connectorHarness(smartsheetConnector, {
    ARREARS_SMARTSHEET_ACCESS_TOKEN: fake.token,
    ARREARS_SMARTSHEET_SHEET_ID: String(fake.sheetId),
    ARREARS_SMARTSHEET_WEBHOOK_SHARED_SECRET: SHARED_SECRET,
    ARREARS_SMARTSHEET_BASE_URL: fake.url,
    ...over,
  });

const CONTEXT: CaseContext = {
  leaseId: 'L1',
  unit: '12B',
  tenant: { id: 'T1', name: 'Ana Ruiz', email: 'ana@example.com', phone: '+14155550101' },
  property: { id: 'P1', name: 'Oak Court', kind: 'residential', jurisdiction: 'US-CA' },
  balanceCents: 120000,
};
const STORAGE: CaseContext = {
  ...CONTEXT,
  unit: 'B-07',
  property: { id: 'P2', name: 'Bay Storage', kind: 'storage', jurisdiction: 'US-CA' },
};

let seq = 0;
function caseEvent(
  type: string,
  data: Record<string, unknown>,
  over: { subject?: string; context?: CaseContext | null } = {},
): CaseEvent {
  const entry: AuditFeedEntry = {
    seq: ++seq,
    at: '2026-10-20T16:00:00.000Z',
    actor: 'system:scan',
    type,
    subject: over.subject ?? 'lease:L1',
    data,
  };
  return { event: publicEventOf('default', entry)!, context: over.context ?? CONTEXT };
}
const opened = (episode = 1, over = {}) =>
  caseEvent('case.opened', { episode, opened: '2026-10-06' }, over);
const closed = (over = {}) => caseEvent('case.closed', { episode: 1, outcome: 'paid' }, over);
const action = (type: 'outbox.sent' | 'outbox.failed', stage: string, act: string, over = {}) =>
  caseEvent(
    type,
    { key: `L1:1:${stage}:${act}`, leaseId: 'L1', provider: 'postal', reason: 'returned' },
    { subject: `outbox:L1:1:${stage}:${act}`, ...over },
  );

const col = (title: string) => fake.columnId(title);
const writes = (method: string) =>
  fake.requests.filter((r) => r.method === method && r.path.endsWith('/rows'));

describe('smartsheet connector (Smartsheet API 2.0, reference §13)', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(smartsheetConnector)).toEqual([]);
  });

  describe('write-back: one row per case', () => {
    it('reads the sheet (columns by title), then adds the case row at the bottom', async () => {
      const h = harness();
      const e = opened();
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      const [read, add] = fake.requests;
      expect(read!.method).toBe('GET');
      expect(read!.path).toBe(`/sheets/${fake.sheetId}`);
      expect(read!.headers.authorization).toBe(`Bearer ${fake.token}`);
      expect(add!.method).toBe('POST');
      expect(add!.path).toBe(`/sheets/${fake.sheetId}/rows`);
      expect(add!.headers['content-type']).toBe('application/json');
      expect(add!.json).toEqual([
        {
          toBottom: true,
          cells: [
            { columnId: col('Lease'), value: 'L1' },
            { columnId: col('Case'), value: 1 },
            { columnId: col('Status'), value: 'Open' },
            { columnId: col('Tenant'), value: 'Ana Ruiz' },
            { columnId: col('Property'), value: 'Oak Court' },
            { columnId: col('Unit'), value: '12B' },
            { columnId: col('Balance'), value: 1200 },
            { columnId: col('Last action'), value: 'case opened' },
            { columnId: col('Updated'), value: e.event.occurredAt },
          ],
        },
      ]);
    });

    it('later events update the row (PUT rows, strict false); close sets Closed', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      await h.instance.sink!.apply(action('outbox.sent', 'late-notice', 'sms'));
      const rowId = fake.caseRows('L1')[0]!.id;
      const put = writes('PUT')[0]!;
      expect(put.json).toEqual([
        {
          id: rowId,
          cells: [
            { columnId: col('Tenant'), value: 'Ana Ruiz', strict: false },
            { columnId: col('Property'), value: 'Oak Court', strict: false },
            { columnId: col('Unit'), value: '12B', strict: false },
            { columnId: col('Balance'), value: 1200, strict: false },
            { columnId: col('Stage'), value: 'late-notice', strict: false },
            { columnId: col('Last action'), value: 'late-notice · sms sent', strict: false },
            { columnId: col('Updated'), value: expect.any(String), strict: false },
          ],
        },
      ]);
      await h.instance.sink!.apply(closed({ context: { ...CONTEXT, balanceCents: 0 } }));
      const [row] = fake.caseRows('L1');
      expect(fake.cell(row!, 'Status')).toBe('Closed');
      expect(fake.cell(row!, 'Balance')).toBe(0);
      expect(fake.rows).toHaveLength(1);
      expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(1); // index kept
    });

    it('the same event twice adds one row, in the same process and after a restart', async () => {
      const e = opened();
      const h = harness();
      await h.instance.sink!.apply(e);
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(await harness().instance.sink!.apply(e)).toEqual({ ok: true });
      expect(fake.caseRows('L1')).toHaveLength(1);
      expect(writes('POST')).toHaveLength(1);
    });

    it('a second case of the lease is a second row', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened(1));
      await h.instance.sink!.apply(opened(2));
      expect(fake.caseRows('L1').map((r) => fake.cell(r, 'Case'))).toEqual([1, 2]);
    });

    it('a storage unit’s lien steps are child rows of the case row, one per step', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened(1, { context: STORAGE }));
      const failed = action('outbox.failed', 'pre-lien', 'doc', { context: STORAGE });
      await h.instance.sink!.apply(failed);
      await h.instance.sink!.apply(failed);
      await h.instance.sink!.apply(action('outbox.sent', 'pre-lien', 'doc', { context: STORAGE }));
      await h.instance.sink!.apply(
        action('outbox.sent', 'lien-notice', 'doc', { context: STORAGE }),
      );
      const [caseRow] = fake.caseRows('L1');
      const steps = fake.children(caseRow!.id);
      expect(steps.map((r) => [fake.cell(r, 'Lease'), fake.cell(r, 'Status')])).toEqual([
        ['pre-lien · doc', 'Done'],
        ['lien-notice · doc', 'Done'],
      ]);
      const addStep = writes('POST')[1]!;
      expect(addStep.json).toEqual([
        {
          parentId: caseRow!.id,
          toBottom: true,
          cells: [
            { columnId: col('Lease'), value: 'pre-lien · doc' },
            { columnId: col('Status'), value: 'Failed' },
            { columnId: col('Stage'), value: 'pre-lien' },
            { columnId: col('Updated'), value: failed.event.occurredAt },
            { columnId: col('Last action'), value: 'pre-lien · doc failed (returned)' },
          ],
        },
      ]);
    });
  });

  describe('errors', () => {
    it('a wrong token: 401 errorCode 1002, the cursor waits, verify says so', async () => {
      const h = harness({ ARREARS_SMARTSHEET_ACCESS_TOKEN: 'wrong' });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true });
      expect(outcome.ok === false && outcome.reason).toMatch(/1002 Your Access Token is invalid/);
      const health = await h.instance.verify();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/1002/);
    });

    it('a missing required attribute is refused the Smartsheet way (400, errorCode 1012)', async () => {
      const res = await fetch(`${fake.url}/sheets/${fake.sheetId}/rows`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ cells: [{ columnId: col('Status'), value: 'Open' }] }]),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        errorCode: 1012,
        message: 'A required object attribute is missing from your request: row.id.',
        refId: expect.any(String),
      });
    });

    it('a refusal that will not pass (400) is skipped with its errorCode', async () => {
      const h = harness();
      fake.fault(1, {
        status: 400,
        path: /\/rows$/,
        body: {
          errorCode: 1031,
          message: 'The value 1 was not valid for the attribute cell.value.',
        },
      });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(outcome.ok === false && outcome.reason).toMatch(/^add rows: 1031 /);
    });

    it('a sheet without a Status column holds the cursor and fails verify', async () => {
      await fake.close();
      fake = await startSmartsheetFake({ titles: ['Lease', 'Tenant'] });
      const h = harness();
      expect(await h.instance.sink!.apply(opened())).toMatchObject({ ok: false, retryable: true });
      expect((await h.instance.verify()).detail).toMatch(/no Status column/);
    });

    it('429 errorCode 4003, then success (with and without Retry-After)', async () => {
      const h = harness();
      fake.rateLimited(1, 0);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      fake.rateLimited(1);
      expect(await h.instance.sink!.apply(closed())).toEqual({ ok: true });
      expect(fake.requests.filter((r) => r.path.endsWith('/rows'))).toHaveLength(3);
    });

    it('a 429 asking for a long wait holds the cursor with retryAfterMs', async () => {
      const h = harness();
      fake.rateLimited(1, 60);
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 60_000 });
      expect(outcome.ok === false && outcome.reason).toMatch(/4003 Rate limit exceeded/);
    });

    it('5xx on a read is retried in the call; on add rows it is not, and the retry adds once', async () => {
      const h = harness();
      fake.serverError(1);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      const e = opened(2);
      fake.fault(1, {
        status: 500,
        path: /\/rows$/,
        body: { errorCode: 4000, message: 'unexpected' },
      });
      expect(await h.instance.sink!.apply(e)).toMatchObject({ ok: false, retryable: true });
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(fake.caseRows('L1')).toHaveLength(2);
    });
  });

  describe('webhook /webhooks/smartsheet', () => {
    async function post(h: ReturnType<typeof harness>, cbs: SignedCallback[]) {
      const app = await h.webhookApp();
      try {
        const out = [];
        for (const cb of cbs)
          out.push(
            await app.inject({
              method: 'POST',
              url: '/webhooks/smartsheet',
              payload: cb.body,
              headers: cb.headers,
            }),
          );
        return out;
      } finally {
        await app.close();
      }
    }

    it('echoes the verification challenge in Smartsheet-Hook-Response, every time it comes', async () => {
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const cb = fake.challenge(hook.id, 'd78dd1d3-01ce-4481-81de-92b4f3aa5ab1');
      const [first, again] = await post(harness(), [cb, cb]);
      for (const res of [first!, again!]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['smartsheet-hook-response']).toBe(
          'd78dd1d3-01ce-4481-81de-92b4f3aa5ab1',
        );
        expect(res.json()).toEqual({
          smartsheetHookResponse: 'd78dd1d3-01ce-4481-81de-92b4f3aa5ab1',
        });
      }
    });

    it('answers an unsigned challenge (echo only); refuses one with a wrong HMAC', async () => {
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const unsigned = fake.challenge(hook.id, 'v1', false);
      const forged = fake.challenge(hook.id, 'v2', false);
      forged.headers['Smartsheet-Hmac-SHA256'] = hmac('sha256', 'guess', forged.body).toString(
        'hex',
      );
      const [ok, bad] = await post(harness(), [unsigned, forged]);
      expect(ok!.headers['smartsheet-hook-response']).toBe('v1');
      expect(bad!.statusCode).toBe(401);
    });

    it('a staff Status of Dispute on a case row, signed, records a dispute once', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const rowId = fake.caseRows('L1')[0]!.id;
      const cb = fake.callback(hook.id, [
        {
          objectType: 'row',
          eventType: 'updated',
          id: rowId,
          userId: 1,
          timestamp: '2026-10-21T09:00:00Z',
        },
        fake.editCell(rowId, 'Status', 'Dispute'),
      ]);
      const [first, replay] = await post(h, [cb, cb]);
      expect(first!.statusCode).toBe(200);
      expect(first!.json()).toMatchObject({ duplicate: false, recorded: ['dispute'] });
      expect(replay!.json()).toMatchObject({ duplicate: true });
      expect(h.inbound.events).toEqual([
        expect.objectContaining({
          type: 'dispute',
          leaseId: 'L1',
          by: 'smartsheet:user:2417000120000',
          note: 'set to Dispute on Smartsheet',
        }),
      ]);
      const read = fake.requests.filter((r) => r.method === 'GET').at(-1)!;
      expect(read.query.get('rowIds')).toBe(String(rowId));
    });

    it('accepts the HMAC in base64 too (the reference is unsure of the encoding)', async () => {
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const cb = fake.callback(hook.id, []);
      cb.headers['Smartsheet-Hmac-SHA256'] = hmac('sha256', SHARED_SECRET, cb.body).toString(
        'base64',
      );
      const [res] = await post(harness(), [cb]);
      expect(res!.statusCode).toBe(200);
    });

    it('refuses a forged, a tampered and an unsigned event callback (401)', async () => {
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const event = { objectType: 'cell', eventType: 'updated', rowId: 1, columnId: 2 };
      const forged = fake.callback(hook.id, [event], 'not-the-shared-secret');
      const tampered = fake.callback(hook.id, [event]);
      tampered.body = tampered.body.replace('"rowId":1', '"rowId":7');
      const unsigned = fake.callback(hook.id, [event]);
      delete unsigned.headers['Smartsheet-Hmac-SHA256'];
      const answers = await post(harness(), [forged, tampered, unsigned]);
      expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401]);
    });

    it('with no shared secret configured every callback is refused (503)', async () => {
      const hook = fake.addWebhook(
        'https://arrears.example.com/webhooks/smartsheet',
        SHARED_SECRET,
      );
      const h = harness({ ARREARS_SMARTSHEET_WEBHOOK_SHARED_SECRET: undefined });
      const [res] = await post(h, [fake.challenge(hook.id)]);
      expect(res!.statusCode).toBe(503);
    });

    it('subscribe: creates and enables the webhook; Smartsheet’s challenge is answered over HTTP', async () => {
      const h = harness({ ARREARS_SMARTSHEET_WEBHOOK_SHARED_SECRET: undefined });
      expect(h.instance.webhook!.secretConfigured).toBe(false);
      const app = await h.webhookApp();
      try {
        const address = await app.listen({ port: 0, host: '127.0.0.1' });
        h.ctx.publicUrl = address;
        const result = await h.instance.subscribe!();
        expect(result).toMatchObject({ ok: true });
        expect(result.detail).toMatch(/ENABLED/);
        const [hook] = fake.webhooks.values();
        expect(hook).toMatchObject({
          callbackUrl: `${address}/webhooks/smartsheet`,
          scope: 'sheet',
          scopeObjectId: fake.sheetId,
          events: ['*.*'],
          version: 1,
          enabled: true,
          status: 'ENABLED',
        });
        expect(h.instance.webhook!.secretConfigured).toBe(true);
        const cb = fake.callback(hook!.id, []);
        const res = await postCallback(`${address}/webhooks/smartsheet`, cb.body, cb.headers);
        expect(res.status).toBe(200);
        // A second subscribe reuses the webhook.
        expect(await h.instance.subscribe!()).toMatchObject({ ok: true });
        expect(fake.webhooks.size).toBe(1);
      } finally {
        await app.close();
      }
    });
  });

  it('verify: ok against the fake', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
  });
});
