import {
  Box,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/QueryState';
import { useLogin } from '../session';

export default function LoginPage() {
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · Arrears';
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim() || !password) {
      setMissing(true);
      return;
    }
    setMissing(false);
    login.mutate({ email: email.trim(), password });
  };
  return (
    <Box component="main" id="main" mih="100vh" bg="gray.0">
      <Center mih="100vh" p="md">
        <Paper withBorder shadow="sm" p="xl" w="100%" maw={400} radius="md">
          <form onSubmit={submit} noValidate aria-labelledby="login-title">
            <Stack>
              <div>
                <Title order={1} size="h2" id="login-title">
                  Sign in to Arrears
                </Title>
                <Text c="dimmed" size="sm">
                  Delinquency queue, cases and reports.
                </Text>
              </div>
              {login.isError && <ErrorAlert error={login.error} title="Sign-in failed" />}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                error={missing && !email.trim() ? 'Enter your email' : undefined}
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                data-testid="login-email"
                autoFocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                error={missing && !password ? 'Enter your password' : undefined}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                data-testid="login-password"
              />
              <Button type="submit" loading={login.isPending} data-testid="login-submit">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </Box>
  );
}
