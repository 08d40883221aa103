/** Photos of a task, listed in `tasks.data.photos` (their bytes in `documents`). */
import type { TaskPhoto, TaskPhotoStore } from '../../app/task-photos.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import type { Db } from '../database.js';
import { appendAudit } from './audit-repo.js';

function photosOf(data: string | null): TaskPhoto[] {
  if (!data) return [];
  const parsed = JSON.parse(data) as { photos?: TaskPhoto[] };
  return Array.isArray(parsed.photos) ? parsed.photos : [];
}

export function taskPhotosRepo(db: Db): TaskPhotoStore {
  return {
    addPhoto: (orgId, key, photo) =>
      db.transaction(async (trx) => {
        const row = await trx
          .selectFrom('tasks')
          .select('data')
          .where('org_id', '=', orgId)
          .where('id', '=', key)
          .executeTakeFirst();
        if (!row) return false;
        const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
        const photos = photosOf(row.data);
        if (photos.some((p) => p.sha256 === photo.sha256)) return true;
        await trx
          .updateTable('tasks')
          .set({ data: canonicalJson({ ...data, photos: [...photos, photo] }) })
          .where('org_id', '=', orgId)
          .where('id', '=', key)
          .execute();
        await appendAudit(trx, orgId, {
          at: photo.at,
          actor: photo.by,
          type: 'task.photo_added',
          subject: `outbox:${key}`,
          data: {
            key,
            sha256: photo.sha256,
            contentType: photo.contentType,
            byteSize: photo.byteSize,
          },
        });
        return true;
      }),
    async photos(orgId, key) {
      const row = await db.kysely
        .selectFrom('tasks')
        .select('data')
        .where('org_id', '=', orgId)
        .where('id', '=', key)
        .executeTakeFirst();
      return photosOf(row?.data ?? null);
    },
    async photoBytes(orgId, key, sha256) {
      const photos = await this.photos(orgId, key);
      if (!photos.some((p) => p.sha256 === sha256)) return undefined;
      const doc = await db.kysely
        .selectFrom('documents')
        .select(['bytes', 'content_type'])
        .where('sha256', '=', sha256)
        .executeTakeFirst();
      return doc ? { bytes: new Uint8Array(doc.bytes), contentType: doc.content_type } : undefined;
    },
  };
}
