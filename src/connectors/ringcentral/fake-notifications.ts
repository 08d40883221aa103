/**
 * The notifications RingCentral's fake posts, as documented (reference section 5 and the
 * event samples of RingCentral's guide); tests use them to inject the exact bytes.
 */
import { randomUUID } from 'node:crypto';
import { VERIFICATION_TOKEN } from './webhooks.js';

export const FAKE_ACCOUNT_ID = '37439510';
export const FAKE_EXTENSION_ID = '823476228762';
export const OWNER = `/restapi/v1.0/account/${FAKE_ACCOUNT_ID}/extension/${FAKE_EXTENSION_ID}`;

export interface FakeMessage {
  uri: string;
  id: number;
  type: 'SMS';
  direction: 'Outbound' | 'Inbound';
  from: { phoneNumber: string };
  to: { phoneNumber: string }[];
  subject: string;
  messageStatus: string;
  deliveryErrorCode?: string;
  creationTime: string;
  lastModifiedTime: string;
  readStatus: 'Read' | 'Unread';
  availability: 'Alive';
  conversationId: string;
  conversation: { id: string };
}

export function instantSmsNotification(m: FakeMessage, uuid = randomUUID()) {
  return {
    uuid,
    event: `${OWNER}/message-store/instant?type=SMS`,
    timestamp: new Date().toISOString(),
    subscriptionId: randomUUID(),
    ownerId: FAKE_EXTENSION_ID,
    body: {
      id: String(m.id),
      to: m.to.map((t) => ({ ...t, target: true })),
      from: m.from,
      type: 'SMS',
      creationTime: m.creationTime,
      lastModifiedTime: m.lastModifiedTime,
      readStatus: 'Unread',
      priority: 'Normal',
      attachments: [{ id: String(m.id), type: 'Text', contentType: 'text/plain' }],
      direction: 'Inbound',
      availability: 'Alive',
      subject: m.subject,
      messageStatus: 'Received',
      conversationId: m.conversationId,
      conversation: m.conversation,
      eventType: 'Create',
    },
  };
}

/** Counts only, as documented: the receiver re-reads the message store. */
export function messageStoreNotification(lastUpdated: string, uuid = randomUUID()) {
  return {
    uuid,
    event: `${OWNER}/message-store?type=SMS&direction=Outbound`,
    timestamp: new Date().toISOString(),
    subscriptionId: randomUUID(),
    ownerId: FAKE_EXTENSION_ID,
    body: {
      accountId: FAKE_ACCOUNT_ID,
      extensionId: FAKE_EXTENSION_ID,
      lastUpdated,
      changes: [{ type: 'SMS', updatedCount: 1, newCount: 0 }],
    },
  };
}

export function renewalReminderNotification(subscriptionId: string, expiresIn: number) {
  return {
    uuid: randomUUID(),
    event: '/restapi/v1.0/subscription/~?threshold=86400&interval=21600',
    timestamp: new Date().toISOString(),
    subscriptionId,
    ownerId: FAKE_EXTENSION_ID,
    body: { expiresIn },
  };
}

export function notificationHeaders(verificationToken: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json; charset=UTF-8',
    'user-agent': 'RingCentral-Webhook/8.3',
    ...(verificationToken ? { [VERIFICATION_TOKEN.toLowerCase()]: verificationToken } : {}),
  };
}
