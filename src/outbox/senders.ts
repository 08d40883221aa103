/**
 * Which provider sends what: routes by `type:method`, `type:channel`, `type`, then `*`.
 * `defaultSenders()` routes everything to the sandbox (SPEC 9: sandbox providers unless
 * configured); connectors add routes such as `message:sms` → Twilio.
 */
import type { OutboxItem, Sender, SenderRegistry } from '../app/ports/outbox.js';
import { createSandboxSender } from './sandbox-sender.js';

export type SenderRoutes = Record<string, Sender>;

export function senderRegistry(routes: SenderRoutes): SenderRegistry & { routes(): string[] } {
  return {
    senderFor(item: OutboxItem) {
      const target = typeof item.payload.target === 'string' ? item.payload.target : undefined;
      const candidates = [
        // `writeback` actions name their connector: `writeback:intercom`.
        target !== undefined ? `${item.type}:${target}` : undefined,
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
