/**
 * The operations alert (SPEC 10): no scan completed today, or outbox items sitting in
 * `failed` / `unknown`. Reads /readyz (JSON even when it answers 503) and counts
 * /api/v1/outbox?status=failed,unknown for the caller's organisation.
 */
import { Alert, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, itemsOf, withQuery, type Page } from '../api';
import { instant } from '../format';
import { Link } from '../router';
import type { OutboxItem, Readiness } from '../types';

const MAX = 200;

export function AlertBar() {
  const ready = useQuery({
    queryKey: ['readyz'],
    queryFn: () => api.get<Readiness>('/readyz', { acceptStatuses: [503] }),
    refetchInterval: 60_000,
    retry: false,
  });
  const stuck = useQuery({
    queryKey: ['outbox', 'alerts'],
    queryFn: async () => {
      const page = await api.get<Page<OutboxItem>>(
        withQuery('/outbox', { status: 'failed,unknown', limit: MAX }),
      );
      const items = itemsOf<OutboxItem>(page);
      return {
        failed: items.filter((i) => i.status === 'failed').length,
        unknown: items.filter((i) => i.status === 'unknown').length,
        more: !!page.nextCursor,
      };
    },
    refetchInterval: 60_000,
    retry: false,
  });

  const warnings = ready.data?.warnings ?? [];
  const noScan =
    warnings.find((w) => w.code === 'no_scan_today') ??
    (ready.data?.checks?.scan && !ready.data.checks.scan.ok
      ? { code: 'scan', message: ready.data.checks.scan.detail }
      : undefined);
  const lastScan = ready.data?.checks?.scan?.lastFinishedAt ?? ready.data?.lastScanAt ?? null;
  const fromReady = (code: string) => warnings.find((w) => w.code === code)?.count ?? 0;
  const failed = stuck.data ? stuck.data.failed : fromReady('outbox_failed');
  const unknown = stuck.data ? stuck.data.unknown : fromReady('outbox_unknown');
  const more = stuck.data?.more ? '+' : '';

  if (!noScan && failed === 0 && unknown === 0) return null;
  return (
    <Stack gap="xs" mb="md" data-testid="alert-bar">
      {noScan && (
        <Alert
          color="orange"
          role="status"
          title="No scan has completed today"
          data-testid="alert-no-scan"
        >
          <Text size="sm">
            {noScan.code === 'no_scan_today' ? '' : `${noScan.message}. `}
            {lastScan
              ? `The last scan finished ${instant(lastScan)}. `
              : 'No scan has finished yet. '}
            Drafts, exceptions and changes may be out of date until a scan runs.
          </Text>
        </Alert>
      )}
      {(failed > 0 || unknown > 0) && (
        <Alert
          color="red"
          role="status"
          title="Outbox items need a human"
          data-testid="alert-outbox"
        >
          <Group gap="md">
            <Text size="sm">
              {failed > 0 && `${failed}${more} failed`}
              {failed > 0 && unknown > 0 && ', '}
              {unknown > 0 && `${unknown}${more} with an unknown outcome (never retried blindly)`}.
            </Text>
            <Link to="/outbox?status=failed,unknown" size="sm" fw={600}>
              Review failed and unknown items
            </Link>
          </Group>
        </Alert>
      )}
    </Stack>
  );
}
