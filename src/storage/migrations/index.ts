/**
 * Every migration, listed statically (no file-system scan: works from dist/ and bundles).
 * Names sort in the order they run; add new ones at the end.
 */
import type { Migration, MigrationProvider } from 'kysely';
import { columnTypes, type DialectName } from '../database.js';
import { initialMigration } from './0001-initial.js';
import { scanStateMigration } from './0004-scan-state.js';
import { apiTokensWebhookEventsMigration } from './0003-api-tokens-webhook-events.js';
import { scanAtScaleMigration } from './0005-scan-at-scale.js';
import { documentsMigration } from './0006-documents.js';
import { contactAttemptsMigration } from './0007-contact-attempts.js';
import { repliesSuggestionsMigration } from './0008-replies-suggestions.js';
import { gateAttestationsMigration } from './0009-gate-attestations.js';
import { reportSchedulesMigration } from './0010-report-schedules.js';
import { hookSubscriptionsMigration } from './0011-hook-subscriptions.js';
import { sessionsMigration } from './0012-sessions.js';
import { connectorCursorsMigration } from './0013-connector-cursors.js';
import { listIndexesMigration } from './0014-list-indexes.js';
import { scanDueIndexesMigration } from './0016-scan-due-indexes.js';
import { webhookInboxMigration } from './0017-webhook-inbox.js';
import { scanWriteCostMigration } from './0018-scan-write-cost.js';
import { eventReachIndexesMigration } from './0019-event-reach-indexes.js';
import { ledgerCoveringIndexMigration } from './0020-ledger-covering-index.js';
import { ledgerTotalsMigration } from './0021-ledger-totals.js';

export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  const types = columnTypes(dialect);
  return {
    '0001-initial': initialMigration(types),
    '0004-scan-state': scanStateMigration(types),
    '0003-api-tokens-webhook-events': apiTokensWebhookEventsMigration(types),
    '0005-scan-at-scale': scanAtScaleMigration(dialect),
    '0006-documents': documentsMigration(types),
    '0007-contact-attempts': contactAttemptsMigration(),
    '0008-replies-suggestions': repliesSuggestionsMigration(types),
    '0009-gate-attestations': gateAttestationsMigration(types),
    '0010-report-schedules': reportSchedulesMigration(types),
    '0011-hook-subscriptions': hookSubscriptionsMigration(types),
    '0012-sessions': sessionsMigration(types),
    '0013-connector-cursors': connectorCursorsMigration(types),
    '0014-list-indexes': listIndexesMigration(),
    '0016-scan-due-indexes': scanDueIndexesMigration(),
    '0017-webhook-inbox': webhookInboxMigration(types),
    '0018-scan-write-cost': scanWriteCostMigration(dialect),
    '0019-event-reach-indexes': eventReachIndexesMigration(),
    '0020-ledger-covering-index': ledgerCoveringIndexMigration(dialect),
    '0021-ledger-totals': ledgerTotalsMigration(dialect, types),
  };
}

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrationsFor(dialect)) };
}
