import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorHarness, manifestProblems } from '../../../test/support/connectors.js';
import { publicEventOf, type AuditFeedEntry } from '../../app/publish-events.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { startMondayFake, type Callback, type MondayFake } from './fake-server.js';
import { mondayConnector } from './index.js';

const SIGNING_SECRET = 'monday-signing-secret-for-tests';
const WEBHOOK_URL = 'https://arrears.example.com/webhooks/monday';

let fake: MondayFake;
beforeEach(async () => {
  fake = await startMondayFake();
});
afterEach(() => fake.close());

function env(over: Record<string, string | undefined> = {}) {
  return {
    ARREARS_MONDAY_API_TOKEN: fake.token,
    ARREARS_MONDAY_BOARD_ID: fake.boardId,
    ARREARS_MONDAY_LEASE_COLUMN_ID: 'text_lease',
    ARREARS_MONDAY_CASE_COLUMN_ID: 'numbers_case',
    ARREARS_MONDAY_TENANT_COLUMN_ID: 'text_tenant',
    ARREARS_MONDAY_PROPERTY_COLUMN_ID: 'text_property',
    ARREARS_MONDAY_UNIT_COLUMN_ID: 'text_unit',
    ARREARS_MONDAY_BALANCE_COLUMN_ID: 'numbers_balance',
    ARREARS_MONDAY_STAGE_COLUMN_ID: 'text_stage',
    ARREARS_MONDAY_LAST_ACTION_COLUMN_ID: 'text_last_action',
    ARREARS_MONDAY_SIGNING_SECRET: SIGNING_SECRET,
    ARREARS_MONDAY_BASE_URL: fake.url,
    ...over,
  };
}
const harness = (over: Record<string, string | undefined> = {}) =>
  connectorHarness(mondayConnector, env(over));

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
const sent = (stage = 'late-notice', action = 'sms', over = {}) =>
  caseEvent(
    'outbox.sent',
    { key: `L1:1:${stage}:${action}`, leaseId: 'L1', provider: 'twilio' },
    { subject: `outbox:L1:1:${stage}:${action}`, ...over },
  );

const graphql = () =>
  fake.requests.map((r) => r.json as { query: string; variables: Record<string, unknown> });
const mutations = (name: string) => graphql().filter((g) => g.query.includes(`${name}(`));

describe('monday connector (GraphQL API v2, reference §12)', () => {
  it('has a valid manifest', () => {
    expect(manifestProblems(mondayConnector)).toEqual([]);
  });

  describe('write-back: one item per case', () => {
    it('looks the lease up, then create_item with the column values as a JSON string', async () => {
      const h = harness();
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      const [lookup, create] = fake.requests;
      expect(lookup!.path).toBe('/v2');
      expect(lookup!.headers.authorization).toBe(fake.token);
      expect(lookup!.headers['api-version']).toBe('2026-01');
      expect(lookup!.headers['content-type']).toBe('application/json');
      const find = lookup!.json as { query: string; variables: unknown };
      expect(find.query).toMatch(/items_page_by_column_values\(board_id: \$board/);
      expect(find.variables).toEqual({
        board: fake.boardId,
        columns: [
          { column_id: 'text_lease', column_values: ['L1'] },
          { column_id: 'numbers_case', column_values: ['1'] },
        ],
      });
      const { query, variables } = create!.json as {
        query: string;
        variables: Record<string, unknown>;
      };
      expect(query).toMatch(/create_item\(board_id: \$board, group_id: \$group, item_name: \$name/);
      expect(query).toMatch(/create_labels_if_missing: true/);
      expect(Object.keys(variables).sort()).toEqual(['board', 'name', 'values']);
      expect(variables.board).toBe(fake.boardId);
      expect(variables.name).toBe('L1 · Ana Ruiz · 12B');
      expect(typeof variables.values).toBe('string');
      expect(JSON.parse(variables.values as string)).toEqual({
        text_lease: 'L1',
        numbers_case: '1',
        status: { label: 'Open' },
        text_tenant: 'Ana Ruiz',
        text_property: 'Oak Court',
        text_unit: '12B',
        numbers_balance: '1200.00',
        text_last_action: 'case opened',
      });
      expect(fake.labels.has('Open')).toBe(true);
    });

    it('a later event changes the found item (change_multiple_column_values), then closes it', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      await h.instance.sink!.apply(sent());
      const change = mutations('change_multiple_column_values')[0]!;
      const itemId = fake.itemsOfLease('L1')[0]!.id;
      expect(change.variables).toMatchObject({ board: fake.boardId, item: itemId });
      expect(JSON.parse(change.variables.values as string)).toEqual({
        text_tenant: 'Ana Ruiz',
        text_property: 'Oak Court',
        text_unit: '12B',
        numbers_balance: '1200.00',
        text_stage: 'late-notice',
        text_last_action: 'late-notice · sms sent',
      });
      await h.instance.sink!.apply(closed({ context: { ...CONTEXT, balanceCents: 0 } }));
      const [item] = fake.itemsOfLease('L1');
      expect(item!.columns.status!.text).toBe('Closed');
      expect(item!.columns.numbers_balance!.text).toBe('0.00');
      expect(fake.items.size).toBe(1);
    });

    it('the same event twice creates one item', async () => {
      const h = harness();
      const e = opened();
      await h.instance.sink!.apply(e);
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(fake.items.size).toBe(1);
      expect(mutations('create_item')).toHaveLength(1);
    });

    it('a second case of the lease is a second item; without a case column the lease keeps one', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened(1));
      await h.instance.sink!.apply(opened(2));
      expect(fake.itemsOfLease('L1').map((i) => i.columns.numbers_case?.text)).toEqual(['1', '2']);

      await fake.close();
      fake = await startMondayFake();
      const perLease = harness({ ARREARS_MONDAY_CASE_COLUMN_ID: undefined });
      await perLease.instance.sink!.apply(opened(1));
      await perLease.instance.sink!.apply(opened(2));
      expect(fake.itemsOfLease('L1')).toHaveLength(1);
    });

    it('a storage unit’s lien steps are updates on the case item, each posted once', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened(1, { context: STORAGE }));
      const step = sent('pre-lien', 'doc', { context: STORAGE });
      await h.instance.sink!.apply(step);
      await h.instance.sink!.apply(step);
      await h.instance.sink!.apply(sent('lien-notice', 'doc', { context: STORAGE }));
      const item = fake.itemsOfLease('L1')[0]!;
      expect(item.updates.map((u) => u.body)).toEqual([
        `<p>☑ Lien step <b>lien-notice</b> · doc — done 2026-10-20</p><p>arrears ref evt_default_${seq}</p>`,
        `<p>☑ Lien step <b>pre-lien</b> · doc — done 2026-10-20</p><p>${'arrears ref ' + step.event.id}</p>`,
      ]);
      const update = mutations('create_update')[0]!;
      expect(update.query).toMatch(/create_update\(item_id: \$item, body: \$body\)/);
      expect(update.variables).toEqual({
        item: item.id,
        body: expect.stringContaining('pre-lien'),
      });
    });

    it('residential cases get no lien updates', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      await h.instance.sink!.apply(sent());
      expect(mutations('create_update')).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('a wrong token: 401, the cursor waits, verify says so', async () => {
      const h = harness({ ARREARS_MONDAY_API_TOKEN: 'wrong' });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true });
      expect(outcome.ok === false && outcome.reason).toMatch(/UNAUTHENTICATED Not Authenticated/);
      expect(await h.instance.verify()).toMatchObject({ ok: false });
    });

    it('a missing required argument is refused the GraphQL way (HTTP 200, errors[])', async () => {
      const res = await fetch(`${fake.url}/v2`, {
        method: 'POST',
        headers: { authorization: fake.token, 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation ($board: ID!) { create_item(board_id: $board) { id } }',
          variables: { board: fake.boardId },
        }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        errors: [
          {
            message: "Field 'create_item' is missing required arguments: item_name",
            extensions: { code: 'missingRequiredArguments', arguments: 'item_name' },
          },
        ],
        account_id: expect.any(Number),
      });
    });

    it('a column id the board lacks is a refusal that will not pass: skipped with the code', async () => {
      const h = harness({ ARREARS_MONDAY_UNIT_COLUMN_ID: 'text_nope' });
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(outcome.ok === false && outcome.reason).toMatch(/InvalidColumnIdException/);
      expect(fake.items.size).toBe(0);
    });

    it('429 with Retry-After, then success', async () => {
      const h = harness();
      fake.rateLimited(1, 0);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      expect(fake.requests).toHaveLength(3);
      expect(fake.items.size).toBe(1);
    });

    it('a long 429 and an exhausted complexity budget hold the cursor until retry_in_seconds', async () => {
      const h = harness();
      fake.rateLimited(1, 90);
      expect(await h.instance.sink!.apply(opened())).toMatchObject({
        ok: false,
        retryable: true,
        retryAfterMs: 90_000,
      });
      fake.complexityExhausted(1, 30);
      const outcome = await h.instance.sink!.apply(opened());
      expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 30_000 });
      expect(outcome.ok === false && outcome.reason).toMatch(/COMPLEXITY_BUDGET_EXHAUSTED/);
    });

    it('5xx on a query is retried in the call', async () => {
      const h = harness();
      fake.failNext(1, 502);
      expect(await h.instance.sink!.apply(opened())).toEqual({ ok: true });
      expect(fake.requests).toHaveLength(3);
      expect(fake.items.size).toBe(1);
    });

    it('5xx on create_item is not repeated blindly; the next attempt finds the item it made', async () => {
      const h = harness();
      fake.failOperation('create_item', 1, 500, true);
      const e = opened();
      expect(await h.instance.sink!.apply(e)).toMatchObject({ ok: false, retryable: true });
      expect(mutations('create_item')).toHaveLength(1);
      expect(await h.instance.sink!.apply(e)).toEqual({ ok: true });
      expect(mutations('create_item')).toHaveLength(1);
      expect(fake.itemsOfLease('L1')).toHaveLength(1);
    });
  });

  describe('webhook /webhooks/monday', () => {
    async function post(h: ReturnType<typeof harness>, cbs: Callback[], url = '/webhooks/monday') {
      const app = await h.webhookApp();
      try {
        const out = [];
        for (const cb of cbs)
          out.push(
            await app.inject({ method: 'POST', url, payload: cb.body, headers: cb.headers }),
          );
        return out;
      } finally {
        await app.close();
      }
    }
    const signed = { signingSecret: SIGNING_SECRET, url: WEBHOOK_URL };

    it('echoes the URL challenge, also when monday repeats it', async () => {
      const cb = fake.challengeCallback('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdrrNGJvzN', signed);
      const [first, again] = await post(harness(), [cb, cb]);
      expect(first!.statusCode).toBe(200);
      expect(first!.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdrrNGJvzN' });
      expect(again!.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdrrNGJvzN' });
    });

    it('a status change to Dispute, signed with the app JWT, records a dispute once', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const itemId = fake.itemsOfLease('L1')[0]!.id;
      const cb = fake.statusCallback(itemId, 'Dispute', signed);
      const [first, replay] = await post(h, [cb, cb]);
      expect(first!.statusCode).toBe(200);
      expect(first!.json()).toMatchObject({ duplicate: false, recorded: 'dispute' });
      expect(replay!.json()).toMatchObject({ duplicate: true });
      expect(h.inbound.events).toEqual([
        expect.objectContaining({
          type: 'dispute',
          leaseId: 'L1',
          by: 'monday:user:4012689',
          note: 'set to Dispute on monday.com',
          date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        }),
      ]);
      const itemsQuery = mutations('items').at(-1)!;
      expect(itemsQuery.variables).toEqual({ ids: [itemId], columns: ['text_lease'] });
    });

    it('our own Open / Closed labels are acknowledged and ignored', async () => {
      const h = harness();
      await h.instance.sink!.apply(opened());
      const itemId = fake.itemsOfLease('L1')[0]!.id;
      const [res] = await post(h, [fake.statusCallback(itemId, 'Closed', signed)]);
      expect(res!.json()).toMatchObject({ ignored: true });
      expect(h.inbound.events).toEqual([]);
    });

    it('refuses a forged, an expired and a misaddressed JWT, and no JWT at all (401)', async () => {
      const h = harness();
      const forged = fake.challengeCallback('c1', {
        signingSecret: 'not-the-secret',
        url: WEBHOOK_URL,
      });
      const stale = fake.challengeCallback('c2', { ...signed, expiresIn: -600 });
      const elsewhere = fake.challengeCallback('c3', {
        ...signed,
        url: 'https://evil.example/hook',
      });
      const tampered = fake.challengeCallback('c4', signed);
      const [, claims] = tampered.headers.authorization!.split('.');
      const lifted = Buffer.from(claims!, 'base64url')
        .toString('utf8')
        .replace('"userId":4012689', '"userId":1');
      tampered.headers.authorization = tampered.headers.authorization!.replace(
        claims!,
        Buffer.from(lifted).toString('base64url'),
      );
      const unsigned = fake.challengeCallback('c5');
      const answers = await post(h, [forged, stale, elsewhere, tampered, unsigned]);
      expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.map((a) => (a.json() as { detail?: string }).detail)).toEqual([
        expect.stringMatching(/signature mismatch/),
        expect.stringMatching(/expired/),
        expect.stringMatching(/aud/),
        expect.stringMatching(/signature mismatch/),
        expect.stringMatching(/no Authorization JWT/),
      ]);
    });

    it('board-integration webhooks: accepted with the URL token, refused with another', async () => {
      const h = harness({
        ARREARS_MONDAY_SIGNING_SECRET: undefined,
        ARREARS_MONDAY_WEBHOOK_TOKEN: 'u7Kq2',
      });
      const cb = fake.challengeCallback('c9');
      const [ok] = await post(h, [cb], '/webhooks/monday?token=u7Kq2');
      const [bad] = await post(h, [cb], '/webhooks/monday?token=guess');
      expect(ok!.json()).toEqual({ challenge: 'c9' });
      expect(bad!.statusCode).toBe(401);
    });

    it('with neither secret configured every webhook is refused (503)', async () => {
      const h = harness({ ARREARS_MONDAY_SIGNING_SECRET: undefined });
      const [res] = await post(h, [fake.challengeCallback('c', signed)]);
      expect(res!.statusCode).toBe(503);
    });
  });

  it('verify: ok against the fake; names a configured column the board lacks', async () => {
    expect(await harness().instance.verify()).toMatchObject({ ok: true });
    const wrong = await harness({ ARREARS_MONDAY_STAGE_COLUMN_ID: 'text_nope' }).instance.verify();
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.detail).toMatch(/stage \(text_nope\)/);
  });
});
