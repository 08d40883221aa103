/** The demo clock (`arrears demo` only): today's date and buttons to move it forward. */
import { Button, Group, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../api';
import { DEMO_KEY, useDemo } from '../session';
import type { DemoState } from '../types';

export function DemoClock() {
  const demo = useDemo();
  const qc = useQueryClient();
  const advance = useMutation({
    mutationFn: (days: number) =>
      api.post<DemoState & Record<string, unknown>>('/demo/advance', { days }),
    onSuccess: async (res) => {
      qc.setQueryData(DEMO_KEY, { enabled: true, today: res.today });
      await qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
    },
  });
  if (!demo.data?.enabled) return null;
  return (
    <Group gap="xs" wrap="nowrap" role="group" aria-label="Demo clock">
      <Text size="sm" fw={600} data-testid="demo-today" aria-live="polite">
        Demo date: {demo.data.today ?? '—'}
      </Text>
      <Button
        size="compact-sm"
        variant="default"
        onClick={() => advance.mutate(1)}
        loading={advance.isPending && advance.variables === 1}
        disabled={advance.isPending}
        data-testid="demo-advance-1"
      >
        Advance 1 day
      </Button>
      <Button
        size="compact-sm"
        variant="default"
        onClick={() => advance.mutate(7)}
        loading={advance.isPending && advance.variables === 7}
        disabled={advance.isPending}
        data-testid="demo-advance-7"
      >
        Advance 7 days
      </Button>
      {advance.isError && (
        <Text size="sm" c="red" role="alert">
          {errorMessage(advance.error)}
        </Text>
      )}
    </Group>
  );
}
