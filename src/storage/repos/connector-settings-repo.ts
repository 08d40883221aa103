/**
 * Connector settings stored sealed (connectors/secret-box.ts) in the `settings` table under
 * `connector:<id>:<SETTING>`, audited without their values.
 */
import type { Db } from '../database.js';
import { appendAudit } from './audit-repo.js';

const PREFIX = 'connector:';

export interface StoredConnectorSetting {
  connector: string;
  key: string;
  sealed: string;
}

export function connectorSettingsRepo(db: Db) {
  return {
    async list(orgId: string): Promise<StoredConnectorSetting[]> {
      const rows = await db.kysely
        .selectFrom('settings')
        .select(['key', 'value'])
        .where('org_id', '=', orgId)
        .where('key', 'like', `${PREFIX}%`)
        .execute();
      return rows.map((r) => {
        const [, connector = '', key = ''] = r.key.split(':');
        return { connector, key, sealed: JSON.parse(r.value) as string };
      });
    },
    async put(
      orgId: string,
      connector: string,
      key: string,
      sealed: string,
      actor: string,
      at: string,
    ) {
      const name = `${PREFIX}${connector}:${key}`;
      await db.transaction(async (trx) => {
        await trx
          .deleteFrom('settings')
          .where('org_id', '=', orgId)
          .where('key', '=', name)
          .execute();
        await trx
          .insertInto('settings')
          .values({ org_id: orgId, key: name, value: JSON.stringify(sealed), updated_at: at })
          .execute();
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'connector.setting_stored',
          subject: `connector:${connector}`,
          data: { connector, setting: key },
        });
      });
    },
    async remove(orgId: string, connector: string, key: string, actor: string, at: string) {
      const name = `${PREFIX}${connector}:${key}`;
      return db.transaction(async (trx) => {
        const r = await trx
          .deleteFrom('settings')
          .where('org_id', '=', orgId)
          .where('key', '=', name)
          .executeTakeFirst();
        const removed = Number(r.numDeletedRows) > 0;
        if (removed)
          await appendAudit(trx, orgId, {
            at,
            actor,
            type: 'connector.setting_removed',
            subject: `connector:${connector}`,
            data: { connector, setting: key },
          });
        return removed;
      });
    },
  };
}
