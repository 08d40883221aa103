/**
 * The order stored events reach the evaluator in: by date, then when they were recorded,
 * then id (events of one day apply in the order they were recorded). A scan's portfolio
 * slice and the settled-lease check read events in this order, so both see the same.
 */
export function byStoredEventOrder(
  a: { date: string; created_at: string; id: string },
  b: { date: string; created_at: string; id: string },
): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.date, b.date) || cmp(a.created_at, b.created_at) || cmp(a.id, b.id);
}
