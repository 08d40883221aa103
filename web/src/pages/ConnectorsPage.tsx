/**
 * Connector health (SPEC 11): every connector, configured or not, what it sends, which
 * settings are missing, and a Test button running its cheap verify request (admins).
 */
import { Alert, Badge, Button, Group, NativeSelect, Table, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, itemsOf, seg } from '../api';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { ScrollTable } from '../components/ScrollTable';
import { StatusBadge } from '../components/StatusBadge';
import { instant } from '../format';
import { useUser } from '../session';
import type { Connector, ConnectorTest } from '../types';

type Result = ConnectorTest & { at: string };

export default function ConnectorsPage() {
  const user = useUser();
  const isAdmin = user?.role === 'admin';
  const [show, setShow] = useState<'all' | 'configured'>('all');
  const [results, setResults] = useState<Record<string, Result>>({});
  const q = useQuery({
    queryKey: ['connectors'],
    queryFn: async () => itemsOf<Connector>(await api.get('/connectors'), 'connectors'),
  });
  const test = useMutation({
    mutationFn: (id: string) => api.post<ConnectorTest>(`/connectors/${seg(id)}/test`, {}),
    onSuccess: (r, id) =>
      setResults((prev) => ({ ...prev, [id]: { ...r, at: new Date().toISOString() } })),
    onError: (e, id) =>
      setResults((prev) => ({
        ...prev,
        [id]: { ok: false, detail: errorMessage(e), at: new Date().toISOString() },
      })),
  });
  const rows = (q.data ?? []).filter((c) => show === 'all' || c.configured);
  const configured = (q.data ?? []).filter((c) => c.configured).length;
  return (
    <>
      <PageHeader
        title="Connectors"
        description="Which providers are configured, what they send, and whether their credentials work."
        actions={
          <NativeSelect
            label="Show"
            size="xs"
            value={show}
            onChange={(e) => setShow(e.currentTarget.value as 'all' | 'configured')}
            data={[
              { value: 'all', label: 'All connectors' },
              { value: 'configured', label: 'Configured only' },
            ]}
          />
        }
      />
      {!isAdmin && (
        <Alert color="blue" mb="md">
          Only admins can run a connector test.
        </Alert>
      )}
      <QueryState query={q} what="connectors">
        {() => (
          <>
            <Text size="sm" mb="sm">
              {configured} of {q.data?.length ?? 0} connectors configured. Unconfigured connectors
              leave their messages to the sandbox; settings come from ARREARS_{'{ID}'}_{'{SETTING}'}
              .
            </Text>
            <ScrollTable label="Connectors" minWidth={900}>
              <Table withTableBorder striped data-testid="connectors-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Connector</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Roles / sends</Table.Th>
                    <Table.Th scope="col">Missing settings</Table.Th>
                    <Table.Th scope="col">Last test</Table.Th>
                    <Table.Th scope="col">Test</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((c) => {
                    const r = results[c.id];
                    const state =
                      c.available === false
                        ? 'unavailable'
                        : c.configured
                          ? 'configured'
                          : 'not_configured';
                    return (
                      <Table.Tr key={c.id} data-testid={`connector-row-${c.id}`}>
                        <Table.Td>
                          <Text fw={600} size="sm">
                            {c.name ?? c.id}
                          </Text>
                          <Text size="xs" className="mono">
                            {c.id}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={state} />
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {(c.roles ?? []).map((role) => (
                              <Badge key={role} color="indigo">
                                {role}
                              </Badge>
                            ))}
                          </Group>
                          {(c.sends ?? []).length > 0 && (
                            <Text size="xs">sends {(c.sends ?? []).join(', ')}</Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {(c.missing ?? []).length === 0 ? (
                            '—'
                          ) : (
                            <Text size="xs" className="mono">
                              {(c.missing ?? []).join(', ')}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td aria-live="polite">
                          {r ? (
                            <>
                              <StatusBadge
                                status={r.ok ? 'ok' : 'failed'}
                                label={r.ok ? 'OK' : 'Failed'}
                              />
                              <Text size="xs">
                                {r.detail}
                                {r.latencyMs !== undefined ? ` (${r.latencyMs} ms)` : ''} ·{' '}
                                {instant(r.at)}
                              </Text>
                            </>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="default"
                            onClick={() => test.mutate(c.id)}
                            loading={test.isPending && test.variables === c.id}
                            disabled={!isAdmin || !c.configured || c.available === false}
                            aria-label={`Test the ${c.name ?? c.id} connector`}
                            data-testid={`connector-test-${c.id}`}
                          >
                            Test
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          </>
        )}
      </QueryState>
    </>
  );
}
