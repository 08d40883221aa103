/**
 * `zoho`: Zoho CRM as a CRM write-back (SPEC 11 "CRM (status, notes, tasks out)"): a Cases
 * record per Arrears case with a note per event, `writeback` actions onto that record, and
 * staff hold requests read back through Notification API callbacks.
 */
import type { OutboxItem, SendOutcome } from '../../app/ports/outbox.js';
import type { ConnectorInstance, ConnectorModule, HealthResult } from '../contract.js';
import { outcomeOfError, outcomeOfResponse } from '../outcomes.js';
import { createZohoClient, TokenRefused, type ZohoClient } from './client.js';
import { manifest } from './manifest.js';
import { MODULE, recordResultOf, writebackRecordOf, zohoDateTime, zohoErrorOf } from './map.js';
import { createZohoSink } from './sink.js';
import { zohoWebhook } from './webhooks.js';

export interface ZohoInstance extends ConnectorInstance {
  client: ZohoClient;
}

/** Channels live at most about a day; renewed daily, with an hour to spare. */
const CHANNEL_LIFETIME_MS = 23 * 3600_000;

async function writeback(
  client: ZohoClient,
  now: () => number,
  item: OutboxItem,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  try {
    const res = await client.upsertCase(writebackRecordOf(item), signal);
    const result = recordResultOf(res.json);
    if (res.status < 300 && result?.ok === false)
      return { tag: 'rejected', code: result.error.code, reason: result.error.message };
    return outcomeOfResponse(res, {
      idempotent: true,
      now: now(),
      externalId: () => (result?.ok ? result.id : undefined),
      errorOf: (r) => zohoErrorOf(r.json),
    });
  } catch (error) {
    if (error instanceof TokenRefused) {
      if (error.response.status === 429 || error.response.status >= 500)
        return outcomeOfResponse(error.response, {
          idempotent: true,
          now: now(),
          externalId: () => undefined,
          errorOf: () => error.error,
        });
      return { tag: 'retryable', reason: `credentials refused: ${error.message}`.slice(0, 200) };
    }
    return outcomeOfError(error, true);
  }
}

export const zohoConnector: ConnectorModule = {
  manifest,
  create(ctx): ZohoInstance {
    const s = ctx.settings;
    const now = () => ctx.clock.now();
    const notifyToken = s.get('NOTIFY_TOKEN');
    const channelId = s.get('CHANNEL_ID') ?? '7730000000001';
    let warnedDomain = false;
    const client = createZohoClient({
      apiBaseUrl: s.baseUrl,
      accountsUrl: s.get('ACCOUNTS_URL') ?? 'https://accounts.zoho.com',
      clientId: s.require('CLIENT_ID'),
      clientSecret: s.require('CLIENT_SECRET'),
      refreshToken: s.require('REFRESH_TOKEN'),
      now,
      onApiDomain(apiDomain) {
        if (warnedDomain || apiDomain.replace(/\/+$/, '') === s.baseUrl) return;
        warnedDomain = true;
        ctx.log.warn(
          { connector: 'zoho', apiDomain },
          'Zoho names another API domain for this account: set ARREARS_ZOHO_BASE_URL to it',
        );
      },
    });

    const timed = async (
      what: string,
      run: () => Promise<{ status: number; json: unknown }>,
      okWhen: (json: unknown) => boolean,
    ): Promise<HealthResult> => {
      const started = Date.now();
      try {
        const res = await run();
        const ok = res.status === 200 && okWhen(res.json);
        const err = zohoErrorOf(res.json);
        return {
          ok,
          detail: `${what} answered ${res.status}${!ok && err ? ` ${err.code}` : ''}`,
          latencyMs: Date.now() - started,
        };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    };

    return {
      id: 'zoho',
      client,
      sink: createZohoSink(client, ctx.log),
      senders: {
        'writeback:zoho': {
          id: 'zoho',
          idempotent: true,
          send: (item, sendCtx) => writeback(client, now, item, sendCtx.signal),
        },
      },
      webhook: zohoWebhook(ctx, client, notifyToken, channelId),
      async subscribe(signal) {
        if (!notifyToken || !ctx.publicUrl)
          return {
            ok: false,
            detail: 'set ARREARS_ZOHO_NOTIFY_TOKEN and ARREARS_PUBLIC_URL before subscribing',
          };
        return timed(
          'POST /crm/v8/actions/watch',
          () =>
            client.watch(
              {
                watch: [
                  {
                    channel_id: Number(channelId),
                    events: [`${MODULE}.edit`],
                    notify_url: `${ctx.publicUrl}/webhooks/zoho`,
                    token: notifyToken,
                    channel_expiry: zohoDateTime(now() + CHANNEL_LIFETIME_MS),
                  },
                ],
              },
              signal,
            ),
          (json) => (json as { watch?: { status?: unknown }[] })?.watch?.[0]?.status === 'success',
        );
      },
      verify: (signal) =>
        timed(
          'GET /crm/v8/users?type=CurrentUser',
          () => client.currentUser(signal),
          (json) => Array.isArray((json as { users?: unknown })?.users),
        ),
    };
  },
};
