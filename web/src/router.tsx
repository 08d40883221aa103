/**
 * A small history-API router (no router package is installed): the current path and query,
 * `navigate()`, `<Link>` and path matching. The server answers index.html for client routes.
 */
import { Anchor, type AnchorProps } from '@mantine/core';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

export interface Location {
  path: string;
  search: string;
}

interface RouterValue {
  location: Location;
  navigate(to: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterValue | null>(null);

const current = (): Location => ({
  path: window.location.pathname,
  search: window.location.search,
});

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(current);
  useEffect(() => {
    const onPop = () => setLocation(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, options: { replace?: boolean } = {}) => {
    const before = `${window.location.pathname}${window.location.search}`;
    if (to === before) return;
    if (options.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLocation(current());
    if (!options.replace) window.scrollTo(0, 0);
  }, []);
  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const v = useContext(RouterContext);
  if (!v) throw new Error('useRouter outside RouterProvider');
  return v;
}

export function useSearchParams(): [
  URLSearchParams,
  (next: Record<string, string | null>) => void,
] {
  const { location, navigate } = useRouter();
  const params = useMemo(() => new URLSearchParams(location.search), [location.search]);
  const update = useCallback(
    (next: Record<string, string | null>) => {
      const p = new URLSearchParams(location.search);
      for (const [k, v] of Object.entries(next)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      const qs = p.toString();
      navigate(`${location.path}${qs ? `?${qs}` : ''}`, { replace: true });
    },
    [location.path, location.search, navigate],
  );
  return [params, update];
}

/** `/cases/:leaseId` against `/cases/L-1` → `{leaseId: 'L-1'}`; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    const x = xs[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(x);
      } catch {
        params[p.slice(1)] = x;
      }
    } else if (p !== x) return null;
  }
  return params;
}

/** True for a plain left click (a modified click opens a new tab the browser's way). */
export function isPlainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

type LinkProps = AnchorProps &
  Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'color' | 'style'> & {
    to: string;
    children: ReactNode;
  };

export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const { navigate } = useRouter();
  return (
    <Anchor
      href={to}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e);
        if (e.defaultPrevented || !isPlainClick(e)) return;
        e.preventDefault();
        navigate(to);
      }}
      {...rest}
    >
      {children}
    </Anchor>
  );
}

export const caseHref = (leaseId: string) => `/cases/${encodeURIComponent(leaseId)}`;
