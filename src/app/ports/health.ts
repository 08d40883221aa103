/**
 * What operations endpoints read (SPEC 10 "Operations"): `/readyz` asks the HealthPort,
 * `/metrics` the MetricsPort. Storage implements both (storage/repos/health-repo.ts) for
 * the organisation the server runs for; the HTTP layer never queries tables itself.
 */

/** Outbox items per status (`draft`, `approved`, `sent`, `failed`, `unknown` …). */
export type OutboxCounts = Record<string, number>;

export interface HealthPort {
  /** Resolves when the database answers a trivial query (`select 1`); rejects otherwise. */
  ping(): Promise<void>;
  /** Migrations the code knows that the database has not applied, in run order. */
  pendingMigrations(): Promise<string[]>;
  /** ISO instant the last scan finished, or null when none ever has. */
  lastScanFinishedAt(): Promise<string | null>;
  /** Outbox items per status; statuses with no item may be absent. */
  outboxCounts(): Promise<OutboxCounts>;
}

/** One provider call made by the dispatcher. */
export interface DispatchObservation {
  /** Connector id (`twilio`, `sendgrid` …). */
  connector: string;
  /** Wall time of the provider call. */
  latencySeconds: number;
  /** `failed`: the provider refused or the call errored (counted as a failure). */
  outcome: 'ok' | 'failed';
}

/** One finished scan. */
export interface ScanObservation {
  id: string;
  durationSeconds: number;
  finishedAt: string;
}

/** What one `/metrics` scrape reads. */
export interface MetricsSample {
  /** Current queue depth by status (a gauge: replaces the previous sample). */
  outboxItems: OutboxCounts;
  /** Dispatches since the previous sample (each reported once). */
  dispatches: DispatchObservation[];
  /** Scans finished since the previous sample (each reported once). */
  scans: ScanObservation[];
  /** ISO instant of the last finished scan, or null. */
  lastScanFinishedAt: string | null;
}

export interface MetricsPort {
  /** Reads a sample; observations are handed out once, whoever asks. */
  collect(): Promise<MetricsSample>;
}
