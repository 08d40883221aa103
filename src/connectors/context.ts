/**
 * What a connector is given to work with. The composition root (src/main.ts
 * `connectorContextFor`) builds it from the runtime; tests build it from stubs of these
 * few functions, so a connector never touches the database itself.
 */
import type { Clock } from '../app/ports/clock.js';
import type { OutboxItem } from '../app/ports/outbox.js';
import type {
  DeliveryReceipt,
  InboundMessage,
  ReceivedDelivery,
  ReceivedReply,
} from '../app/receive-reply.js';
import type { MailEvent, MailEventResult } from '../app/record-mail-event.js';
import type { ConnectorId } from './contract.js';
import type { EvidencePacketSource } from './legalzoom/packet.js';
import type { ConnectorSettings } from './settings.js';

/** Who an outbox item goes to, as the provider needs it. */
export interface Contact {
  tenantId: string;
  name: string;
  /** E.164. */
  phone: string | null;
  email: string | null;
  /** BCP 47 language of the tenant (`en`, `es` …): the voice and text language. */
  language: string;
  /** The office the tenant may call or write back to. */
  office: { name: string; phone: string | null; email: string | null };
}

export interface RecipientLookup {
  /** The item's contact, or null when the item names none or it is gone. */
  contactOf(item: OutboxItem): Promise<Contact | null>;
  /** The item's lease (its unit: a gate lockout), or null when it is gone. */
  leaseOf?(item: OutboxItem): Promise<{ leaseId: string; unit: string; propertyId: string } | null>;
}

/** Where a connector's verified callbacks go (the org and provider are filled in). */
export interface InboundSink {
  reply(message: Omit<InboundMessage, 'orgId' | 'provider'>): Promise<ReceivedReply>;
  delivery(receipt: Omit<DeliveryReceipt, 'orgId' | 'provider'>): Promise<ReceivedDelivery>;
  /** A carrier event for a mailed letter (print-and-mail tracking); null: unknown letter. */
  mailEvent(event: MailEvent): Promise<MailEventResult | null>;
  /**
   * Portfolio events in SPEC 3.1 shape (`plan`, `promise`, `hold`, `release`, `status` …),
   * recorded as the provider: a signed payment-plan agreement becomes a `plan` event.
   * Invalid events are an InputError naming the path.
   */
  events(events: Record<string, unknown>[]): Promise<void>;
}

/** Queue actions a chat connector's buttons take, as the clicking user (SPEC 10 roles). */
export interface QueueActions {
  /** The user with this e-mail approves the item; refused for roles that cannot approve. */
  approve(key: string, userEmail: string): Promise<{ ok: boolean; message: string }>;
  reject(key: string, userEmail: string, reason: string): Promise<{ ok: boolean; message: string }>;
}

export interface ConnectorLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ConnectorContext {
  orgId: string;
  settings: ConnectorSettings;
  clock: Clock;
  /** `ARREARS_PUBLIC_URL` without a trailing slash: callback URLs are built on it. */
  publicUrl: string | undefined;
  recipients: RecipientLookup;
  inbound: InboundSink;
  queue?: QueueActions;
  /** The signed one-click unsubscribe link for an e-mail item (RFC 8058), when configured. */
  unsubscribeUrl?(item: OutboxItem): string | undefined;
  log: ConnectorLog;
  /**
   * Stores a rotated secret (an OAuth refresh token that is single-use) in the encrypted
   * settings store; absent when no ARREARS_SECRETS_KEY is set.
   */
  persistSetting?(key: string, value: string): Promise<void>;
  /** A lease's evidence packet, as `arrears case packet` builds it (the legal hand-off). */
  packets?: EvidencePacketSource;
  /** Another connector's settings (the legal hand-off mails through the smtp connector's). */
  settingsOf?(id: ConnectorId): ConnectorSettings;
  /** Appends an audit entry as `provider:<id>` (hand-off steps, helpdesk staff notes). */
  audit?(entry: { type: string; subject: string; data: Record<string, unknown> }): Promise<void>;
}

export const SILENT_LOG: ConnectorLog = { info() {}, warn() {} };
