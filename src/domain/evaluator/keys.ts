/**
 * R7 idempotency keys: `{leaseId}:{episode}:{stageId}:{actionId}` plus `:{chargeId}` for
 * per-invoice actions and `:{n}` for daily ones; deliveries add `/{contactId}/{method}`.
 * A key never holds a date or a policy version, so editing a stage's day never re-sends.
 */
export function actionKey(
  leaseId: string,
  episode: number,
  stageId: string,
  actionId: string,
  extra: { chargeId?: string; occurrence?: number } = {},
): string {
  let key = `${leaseId}:${episode}:${stageId}:${actionId}`;
  if (extra.chargeId !== undefined) key += `:${extra.chargeId}`;
  if (extra.occurrence !== undefined) key += `:${extra.occurrence}`;
  return key;
}

export function deliveryKey(key: string, contactId: string, method: string): string {
  return `${key}/${contactId}/${method}`;
}
