import { Alert, Center, Group, List, Loader, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden="true" />
        <Text>{label}</Text>
      </Group>
    </Center>
  );
}

/** A problem+json error as an alert: its title, detail and each `errors[]` entry. */
export function ErrorAlert({
  error,
  title,
  onClose,
}: {
  error: unknown;
  title?: ReactNode;
  onClose?: () => void;
}) {
  const issues = error instanceof ApiError ? error.errors : [];
  const heading = title ?? (error instanceof ApiError ? error.title : 'Something went wrong');
  const detail = error instanceof ApiError ? error.detail : errorMessage(error);
  return (
    <Alert
      color="red"
      title={heading}
      role="alert"
      {...(onClose ? { withCloseButton: true, onClose, closeButtonLabel: 'Dismiss error' } : {})}
    >
      {detail && <Text size="sm">{detail}</Text>}
      {issues.length > 0 && (
        <List size="sm" mt="xs">
          {issues.map((e, i) => (
            <List.Item key={i}>
              <Text span fw={600} size="sm">
                {e.path}
              </Text>
              : {e.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

/** The endpoint is not on this server yet (404/501/503 "not wired"). */
export function isMissingEndpoint(error: unknown): boolean {
  return error instanceof ApiError && [404, 405, 501, 503].includes(error.status);
}

export function QueryState({
  query,
  children,
  what,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown };
  children: () => ReactNode;
  what?: string;
}) {
  if (query.isPending) return <Loading label={what ? `Loading ${what}…` : 'Loading…'} />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  return <>{children()}</>;
}
