/**
 * The signed-in user (GET/POST/DELETE /api/v1/session), the demo clock (GET /api/v1/demo)
 * and "today" as the dashboard means it: the demo's date when the demo runs, else the
 * browser's.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from './api';
import { localToday } from './format';
import { READ_ONLY_ROLES, type DemoState, type Session } from './types';

export const SESSION_KEY = ['session'] as const;

async function loadSession(): Promise<Session | null> {
  try {
    const s = await api.get<Session>('/session');
    setCsrfToken(s.csrfToken ?? null);
    return s;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: loadSession,
    staleTime: 5 * 60_000,
    retry: 1,
  });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (creds: { email: string; password: string }) =>
      api.post<Session>('/session', creds),
    onSuccess: (s) => {
      setCsrfToken(s.csrfToken ?? null);
      // Drop another user's data, but keep the session query its observers watch.
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      qc.setQueryData(SESSION_KEY, s);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.del('/session'),
    onSettled: () => {
      setCsrfToken(null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      qc.setQueryData(SESSION_KEY, null);
    },
  });
}

/** The session's user; pages only render inside a session. */
export function useUser() {
  const { data } = useSession();
  return data?.user ?? null;
}

/** False for the read-only roles (owner, auditor): decision buttons are disabled. */
export function useCanDecide(): boolean {
  const user = useUser();
  return !!user && !READ_ONLY_ROLES.includes(user.role);
}

export const DEMO_KEY = ['demo'] as const;

export function useDemo() {
  return useQuery({
    queryKey: DEMO_KEY,
    queryFn: async (): Promise<DemoState> => {
      try {
        return await api.get<DemoState>('/demo');
      } catch (error) {
        if (error instanceof ApiError && [404, 403, 405, 501].includes(error.status))
          return { enabled: false };
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useToday(): string {
  const { data } = useDemo();
  return data?.enabled && data.today ? data.today : localToday();
}
