/**
 * Which provider sends what: routes by `type:method`, `type:channel`, `type`, then `*`.
 * `defaultSenders()` routes everything to the sandbox (SPEC 9: sandbox providers unless
 * configured); connectors add routes such as `message:sms` → Twilio.
 *
 * Lease-level items name their destination in the payload: a `writeback` its connector
 * (`writeback:intercom`), an `escalate` where it goes (`escalate:legal`), an `access` item
 * its targets (`access:portal`, `access:gate`). An access item with several targets is sent
 * to the route of each (`access`, then `*`, for a target no connector takes), and its
 * outcome is the worst of theirs, so a retry repeats them all (access senders converge).
 */
import type { OutboxItem, Sender, SenderRegistry, SendOutcome } from '../app/ports/outbox.js';
import { createSandboxSender } from './sandbox-sender.js';

export type SenderRoutes = Record<string, Sender>;

const targetsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];

/** Worst first: what an access item becomes when its targets answer differently. */
const SEVERITY: SendOutcome['tag'][] = [
  'rejected',
  'unknown',
  'retryable',
  'retry_after',
  'accepted',
];

function combined(outcomes: SendOutcome[]): SendOutcome {
  const worst = [...outcomes].sort((a, b) => SEVERITY.indexOf(a.tag) - SEVERITY.indexOf(b.tag))[0]!;
  if (worst.tag === 'accepted')
    return {
      tag: 'accepted',
      externalId: outcomes.map((o) => (o.tag === 'accepted' ? o.externalId : '')).join(','),
    };
  if (worst.tag === 'retry_after') {
    const at = outcomes
      .flatMap((o) => (o.tag === 'retry_after' ? [o.at] : []))
      .sort()
      .at(-1)!;
    return { ...worst, at };
  }
  return worst;
}

/** One sender for an access item whose targets go to different senders. */
function fanOut(senders: Sender[]): Sender {
  return {
    id: senders.map((s) => s.id).join('+'),
    idempotent: senders.every((s) => s.idempotent),
    async send(item, ctx) {
      const outcomes: SendOutcome[] = [];
      for (const s of senders) outcomes.push(await s.send(item, ctx));
      return combined(outcomes);
    },
  };
}

export function senderRegistry(routes: SenderRoutes): SenderRegistry & { routes(): string[] } {
  return {
    senderFor(item: OutboxItem) {
      if (item.type === 'access') {
        const targets = new Set([
          ...targetsOf(item.payload.deny),
          ...targetsOf(item.payload.restore),
        ]);
        const senders = [
          ...new Set(
            [...targets]
              .map((t) => routes[`access:${t}`] ?? routes.access ?? routes['*'])
              .filter((s): s is Sender => s !== undefined),
          ),
        ];
        if (senders.length === 1) return senders[0];
        if (senders.length > 1) return fanOut(senders);
      }
      const target = typeof item.payload.target === 'string' ? item.payload.target : undefined;
      const to = typeof item.payload.to === 'string' ? item.payload.to : undefined;
      const candidates = [
        // `writeback` actions name their connector: `writeback:intercom`.
        target !== undefined ? `${item.type}:${target}` : undefined,
        // `escalate` actions name where they go: `escalate:legal`.
        item.type === 'escalate' && to !== undefined ? `${item.type}:${to}` : undefined,
        item.method !== null ? `${item.type}:${item.method}` : undefined,
        item.channel !== null ? `${item.type}:${item.channel}` : undefined,
        item.type,
        '*',
      ];
      for (const c of candidates) if (c !== undefined && routes[c]) return routes[c];
      return undefined;
    },
    routes: () => Object.keys(routes).sort(),
  };
}

export function defaultSenders(): SenderRegistry & { routes(): string[] } {
  return senderRegistry({ '*': createSandboxSender() });
}
