/** Stored, versioned policies (SPEC 3.3): every save of an existing id is a new version. */
import type { Policy } from '../../domain/policy/schema.js';

export interface StoredPolicy {
  policy: Policy;
  version: number;
  author: string;
  createdAt: string;
}

export interface PolicyStore {
  /** Stores `policy` as the next version of its id (version 1 when new) with its audit entry. */
  save(orgId: string, policy: Policy, author: string, at: string): Promise<StoredPolicy>;
  /** The latest version of every policy id. */
  current(orgId: string): Promise<StoredPolicy[]>;
  /** Every version, newest first per id. */
  history(orgId: string): Promise<StoredPolicy[]>;
}
