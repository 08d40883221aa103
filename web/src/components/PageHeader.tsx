import { Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

/** The page's one `<h1>` (the focus target after navigation) and the document title. */
export function PageHeader({
  title,
  description,
  actions,
  docTitle,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  docTitle?: string;
}) {
  const text = docTitle ?? (typeof title === 'string' ? title : undefined);
  useEffect(() => {
    if (text) document.title = `${text} · Arrears`;
  }, [text]);
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="wrap" gap="sm">
      <Stack gap={4}>
        <Title order={1} size="h2" id="page-title" tabIndex={-1} style={{ outline: 'none' }}>
          {title}
        </Title>
        {description && <Text c="dimmed">{description}</Text>}
      </Stack>
      {actions && <Group gap="sm">{actions}</Group>}
    </Group>
  );
}
