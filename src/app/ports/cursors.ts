/** Where each connector's stream stands (storage/repos/connector-cursors-repo.ts). */

export type CursorStream = 'source' | 'sink';

export interface CursorState {
  /** The provider's cursor (a source) or the last audit seq written (a sink); null: from the start. */
  cursor: string | null;
  lastRunAt: string | null;
  /** The last run's error, for connector health; null when it went through. */
  lastError: string | null;
}

export interface CursorStore {
  get(orgId: string, connector: string, stream: CursorStream): Promise<CursorState>;
  set(orgId: string, connector: string, stream: CursorStream, value: CursorState): Promise<void>;
}
