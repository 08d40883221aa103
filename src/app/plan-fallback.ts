/**
 * R10 at dispatch: when a provider refuses a message and the policy's action names a
 * `fallback` channel, the fallback is tried at once, as its own outbox item keyed
 * `{action key}:fallback` (one delivery per contact and method, as the evaluator keys
 * fallbacks it plans itself). It carries the same template rendered for today and goes
 * without a second approval: a person already approved this message; only the channel
 * changed. The dispatch re-check still applies consent, opt-outs and the send window to it.
 */
import { deliveryKey } from '../domain/evaluator/keys.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { OutboxItem } from './ports/outbox.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { PlannedItem, PlannedItemsWriter } from './ports/scan.js';
import { renderedMessage } from './render-messages.js';

export interface FallbackDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  policies: PolicyStore;
  outbox: PlannedItemsWriter;
}

/** The fallback item for a refused message, or null when its action has none. */
export async function fallbackFor(
  deps: FallbackDeps,
  item: OutboxItem,
): Promise<PlannedItem | null> {
  if (item.type !== 'message' || item.contactId === null) return null;
  if (typeof item.payload.fallbackFor === 'string') return null; // no fallback of a fallback
  const policies = (await deps.policies.current(item.orgId)).map((s) => s.policy);
  const portfolio = await deps.portfolio.loadPortfolio(item.orgId, [item.leaseId]);
  const input = leaseInputs(portfolio, policies).inputs[0];
  if (!input || input.policy.id !== item.policyId) return null;
  const action = input.policy.stages
    .find((s) => s.id === item.stage)
    ?.actions.find((a) => a.id === item.action);
  if (!action || action.type !== 'message' || !action.fallback) return null;
  const channel = action.fallback;
  if (channel === item.channel) return null;
  const [head, subContact] = item.key.split('/');
  const fallbackHead = `${head}:fallback`;
  const key =
    subContact === undefined ? fallbackHead : deliveryKey(fallbackHead, item.contactId, channel);
  const nowMs = deps.clock.now();
  const today = epochToLocal(nowMs, input.property.timezone).date;
  const base = {
    type: 'message',
    episode: item.episode,
    contactId: item.contactId,
    amountCents: null,
    payload: { template: action.template },
  };
  const rendered = renderedMessage(input, base, today);
  return {
    key,
    leaseId: item.leaseId,
    episode: item.episode,
    stage: item.stage,
    action: item.action,
    type: 'message',
    channel,
    method: channel,
    contactId: item.contactId,
    dueAt: new Date(nowMs).toISOString(),
    status: 'approved',
    reason: null,
    approvalsRequired: 0,
    amountCents: null,
    policyId: item.policyId,
    policyVersion: item.policyVersion,
    payload: {
      template: action.template,
      date: today,
      at: new Date(nowMs).toISOString(),
      fallbackFor: item.key,
      ...(item.pastDueCents !== null ? { pastDueCents: item.pastDueCents } : {}),
      ...rendered,
    },
  };
}

/** The dispatcher's `onFailed` hook: queues the fallback (a repeat inserts nothing). */
export function makeFallbackPlanner(deps: FallbackDeps): (item: OutboxItem) => Promise<void> {
  return async (item) => {
    const fallback = await fallbackFor(deps, item);
    if (!fallback) return;
    await deps.outbox.insertPlanned(
      item.orgId,
      [fallback],
      'system:fallback',
      new Date(deps.clock.now()).toISOString(),
    );
  };
}
