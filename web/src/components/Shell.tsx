/**
 * The app shell: banner (name, demo clock, user, sign out), navigation, the operations
 * alert bar and the page in `<main>`. Focus moves to `<main>` after each navigation.
 */
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, itemsOf } from '../api';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useRef, type MouseEvent, type ReactNode } from 'react';
import { isPlainClick, useRouter } from '../router';
import { useLogout, useUser } from '../session';
import { AlertBar } from './AlertBar';
import { DemoClock } from './DemoClock';

export const NAV: { page: string; label: string; hint: string }[] = [
  { page: 'queue', label: 'Queue', hint: 'Drafts awaiting approval' },
  { page: 'cases', label: 'Cases', hint: 'Delinquency cases' },
  { page: 'exceptions', label: 'Exceptions', hint: 'Leases that need a human' },
  { page: 'pipeline', label: 'Pipeline', hint: 'Cases by stage' },
  { page: 'tasks', label: 'Tasks', hint: 'Follow-ups and calls' },
  { page: 'notices', label: 'Notices', hint: 'Documents, deliveries, proofs' },
  { page: 'policies', label: 'Policies', hint: 'Workflows and preview' },
  { page: 'reports', label: 'Reports', hint: 'Aging, notices, collections' },
  { page: 'connectors', label: 'Connectors', hint: 'Provider health' },
  { page: 'changes', label: 'Changes', hint: 'Since the last run' },
];

const MORE: { page: string; label: string }[] = [
  { page: 'outbox', label: 'Outbox' },
  { page: 'audit', label: 'Audit log' },
];

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const { location, navigate } = useRouter();
  const user = useUser();
  const logout = useLogout();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [location.path]);

  const go = (page: string) => (e: MouseEvent<HTMLElement>) => {
    if (!isPlainClick(e)) return;
    e.preventDefault();
    close();
    navigate(`/${page}`);
  };
  const isActive = (page: string) =>
    location.path === `/${page}` || location.path.startsWith(`/${page}/`);

  // Tasks due today, as a count beside "Tasks": the clerk sees them from every page.
  const dueToday = useQuery({
    queryKey: ['tasks-due-today'],
    queryFn: async () =>
      itemsOf<{ status: string }>(await api.get('/tasks?due=today&limit=200'), 'items').filter(
        (t) => t.status === 'open',
      ).length,
    refetchInterval: 60_000,
    retry: false,
  });
  const due = dueToday.data ?? 0;

  const link = (page: string, label: string, hint?: string) => (
    <NavLink
      key={page}
      component="a"
      href={`/${page}`}
      label={label}
      rightSection={
        page === 'tasks' && due > 0 ? (
          <Badge
            color="yellow"
            size="sm"
            aria-label={`${due} tasks due today`}
            data-testid="tasks-due-today"
          >
            {due}
          </Badge>
        ) : undefined
      }
      description={hint}
      active={isActive(page)}
      aria-current={isActive(page) ? 'page' : undefined}
      onClick={go(page)}
      data-testid={`nav-${page}`}
    />
  );

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
              aria-expanded={opened}
              aria-controls="app-navigation"
            />
            <Text fw={700} size="lg" component="span">
              Arrears
            </Text>
          </Group>
          <Group gap="md" wrap="nowrap">
            <DemoClock />
            {user && (
              <Text size="sm" visibleFrom="md" data-testid="current-user">
                {user.email} · {user.role}
              </Text>
            )}
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })}
              loading={logout.isPending}
              data-testid="logout"
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" id="app-navigation" aria-label="Main navigation">
        <ScrollArea type="auto">
          {NAV.map((n) => link(n.page, n.label, n.hint))}
          <Text
            size="xs"
            fw={700}
            tt="uppercase"
            mt="md"
            mb={4}
            px="sm"
            c="dimmed"
            aria-hidden="true"
          >
            More
          </Text>
          {MORE.map((n) => link(n.page, n.label))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" ref={mainRef} tabIndex={-1} style={{ outline: 'none' }}>
        <AlertBar />
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
