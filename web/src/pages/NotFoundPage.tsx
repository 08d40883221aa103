import { Text } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';
import { Link } from '../router';

export default function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Text>
        Nothing lives at this address. Go to the <Link to="/queue">approval queue</Link>.
      </Text>
    </>
  );
}
