/**
 * Photos on a task (the task center's cut-lock inventory, SPEC 3.4 `cut_lock`): a field
 * worker photographs the unit's contents and the photos stay with the task as evidence. A
 * photo is stored content-addressed like a notice (the same bytes once, whoever uploads
 * them again), listed on the task, and audited with its sha256; only JPEG, PNG, WebP and
 * HEIC pictures up to 10 MiB are taken, checked by their first bytes, not by the name.
 */
import { AppError, InputError } from '../domain/errors.js';
import type { DocumentStore } from './ports/documents.js';
import type { Clock } from './ports/clock.js';
import { seesProperty, type Visibility } from './lease-access.js';
import type { TaskStore } from './list-tasks.js';

export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

const SIGNATURES: Record<string, (b: Uint8Array) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/webp': (b) =>
    String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...b.subarray(8, 12)) === 'WEBP',
  'image/heic': (b) => String.fromCharCode(...b.subarray(4, 8)) === 'ftyp',
};
export const PHOTO_TYPES = Object.keys(SIGNATURES);

export interface TaskPhoto {
  sha256: string;
  contentType: string;
  byteSize: number;
  at: string;
  by: string;
}

export interface TaskPhotoStore {
  /** Adds the photo to the task's list (once per sha256), audited; false: no such task yet. */
  addPhoto(orgId: string, key: string, photo: TaskPhoto): Promise<boolean>;
  photos(orgId: string, key: string): Promise<TaskPhoto[]>;
  /** The bytes of a photo that is on this task, else undefined. */
  photoBytes(
    orgId: string,
    key: string,
    sha256: string,
  ): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
}

export interface TaskPhotoDeps<Tx> {
  clock: Clock;
  tasks: Pick<TaskStore<Tx>, 'get'>;
  photos: TaskPhotoStore;
  documents: Pick<DocumentStore<Tx>, 'storeDocument'>;
}

async function visibleTask<Tx>(deps: TaskPhotoDeps<Tx>, v: Visibility, key: string) {
  const row = await deps.tasks.get(v.orgId, key);
  if (!row || (row.propertyId !== null && !seesProperty(v, row.propertyId)))
    throw new AppError(
      'not_found',
      `no task ${key}; GET /api/v1/tasks lists the tasks you can see`,
    );
  return row;
}

export async function attachTaskPhoto<Tx>(
  deps: TaskPhotoDeps<Tx>,
  v: Visibility,
  key: string,
  upload: { bytes: Uint8Array; contentType: string },
  by: { userId: string },
): Promise<TaskPhoto> {
  const row = await visibleTask(deps, v, key);
  const type = upload.contentType.split(';')[0]!.trim().toLowerCase();
  const check = SIGNATURES[type];
  if (!check)
    throw new InputError([
      { path: 'content-type', message: `send a photo as ${PHOTO_TYPES.join(', ')}, not ${type}` },
    ]);
  if (upload.bytes.byteLength === 0 || upload.bytes.byteLength > MAX_PHOTO_BYTES)
    throw new InputError([
      { path: 'body', message: `a photo is 1 byte to ${MAX_PHOTO_BYTES / 1024 / 1024} MiB` },
    ]);
  if (!check(upload.bytes))
    throw new InputError([
      { path: 'body', message: `the bytes are not a ${type} picture; send the photo file itself` },
    ]);
  const at = new Date(deps.clock.now()).toISOString();
  const actor = `user:${by.userId}`;
  const stored = await deps.documents.storeDocument(
    v.orgId,
    {
      bytes: upload.bytes,
      contentType: type,
      leaseId: row.leaseId,
      outboxKey: key,
      template: 'task-photo',
    },
    actor,
    at,
  );
  const photo: TaskPhoto = {
    sha256: stored.sha256,
    contentType: type,
    byteSize: upload.bytes.byteLength,
    at,
    by: actor,
  };
  if (!(await deps.photos.addPhoto(v.orgId, key, photo)))
    throw new AppError(
      'conflict',
      `task ${key} is not created yet (its item is ${row.outboxStatus}); photos go on a created task`,
    );
  return photo;
}

export async function taskPhotos<Tx>(deps: TaskPhotoDeps<Tx>, v: Visibility, key: string) {
  await visibleTask(deps, v, key);
  return deps.photos.photos(v.orgId, key);
}

export async function taskPhotoBytes<Tx>(
  deps: TaskPhotoDeps<Tx>,
  v: Visibility,
  key: string,
  sha256: string,
) {
  await visibleTask(deps, v, key);
  const found = await deps.photos.photoBytes(v.orgId, key, sha256);
  if (!found) throw new AppError('not_found', `task ${key} has no photo ${sha256}`);
  return found;
}
