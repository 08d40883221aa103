/**
 * The Arrears operator dashboard: providers, the session gate and the routes. Each page is
 * its own chunk (React.lazy).
 */
import '@mantine/core/styles.css';
import './styles.css';

import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  lazy,
  StrictMode,
  Suspense,
  useEffect,
  useRef,
  type ComponentType,
  type LazyExoticComponent,
} from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, onUnauthorized } from './api';
import { Loading } from './components/QueryState';
import { Shell } from './components/Shell';
import { matchPath, RouterProvider, useRouter } from './router';
import { SESSION_KEY, useSession } from './session';
import { theme } from './theme';

const LoginPage = lazy(() => import('./pages/LoginPage'));

type Params = Record<string, string>;
const ROUTES: {
  path: string;
  component: LazyExoticComponent<ComponentType<{ params: Params }>>;
}[] = [
  { path: '/queue', component: lazy(() => import('./pages/QueuePage')) },
  { path: '/cases', component: lazy(() => import('./pages/CasesPage')) },
  { path: '/cases/:leaseId', component: lazy(() => import('./pages/CasePage')) },
  { path: '/exceptions', component: lazy(() => import('./pages/ExceptionsPage')) },
  { path: '/pipeline', component: lazy(() => import('./pages/PipelinePage')) },
  { path: '/tasks', component: lazy(() => import('./pages/TasksPage')) },
  { path: '/notices', component: lazy(() => import('./pages/NoticesPage')) },
  { path: '/policies', component: lazy(() => import('./pages/PoliciesPage')) },
  { path: '/reports', component: lazy(() => import('./pages/ReportsPage')) },
  { path: '/connectors', component: lazy(() => import('./pages/ConnectorsPage')) },
  { path: '/changes', component: lazy(() => import('./pages/ChangesPage')) },
  { path: '/outbox', component: lazy(() => import('./pages/OutboxPage')) },
  { path: '/audit', component: lazy(() => import('./pages/AuditPage')) },
];
const NotFound = lazy(() => import('./pages/NotFoundPage'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: true,
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

onUnauthorized(() => queryClient.setQueryData(SESSION_KEY, null));

function Routes() {
  const { location, navigate } = useRouter();
  const session = useSession();
  const path = location.path.replace(/\/+$/, '') || '/';
  const signedIn = !!session.data;

  // Signing in removes the login form and the focus with it: put the focus on <main>, as
  // after any navigation, so the keyboard carries on from the page's content.
  const sawLogin = useRef(false);
  useEffect(() => {
    if (session.data === null) sawLogin.current = true;
    else if (session.data && sawLogin.current) {
      sawLogin.current = false;
      document.getElementById('main')?.focus({ preventScroll: true });
    }
  }, [session.data]);

  useEffect(() => {
    if (!signedIn) return;
    if (path === '/' || path === '/login') {
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/queue', {
        replace: true,
      });
    }
  }, [signedIn, path, location.search, navigate]);

  if (session.isPending) return <Loading label="Checking your session…" />;
  if (!signedIn)
    return (
      <Suspense fallback={<Loading />}>
        <LoginPage />
      </Suspense>
    );

  let page = null;
  for (const r of ROUTES) {
    const params = matchPath(r.path, path);
    if (params) {
      const Page = r.component;
      page = <Page params={params} key={r.path} />;
      break;
    }
  }
  if (!page && (path === '/' || path === '/login')) page = <Loading />;
  return (
    <Shell>
      <Suspense fallback={<Loading label="Loading page…" />}>{page ?? <NotFound />}</Suspense>
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} forceColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <RouterProvider>
          <Routes />
        </RouterProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
