/** Stored document bytes by sha256 (content-addressed; callers decide who may read what). */
import type { Db } from '../database.js';

export function documentBytesOf(db: Db) {
  return async (sha256: string) => {
    const row = await db.kysely
      .selectFrom('documents')
      .select(['bytes', 'content_type'])
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row ? { bytes: new Uint8Array(row.bytes), contentType: row.content_type } : undefined;
  };
}
