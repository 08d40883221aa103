/**
 * Renders any JSON document as tables: scalar fields as a two-column table, arrays of
 * objects as tables, nested objects as sub-sections. `…Cents` fields print as money and
 * `…Rate` fields as percentages. Used for reports without a dedicated view and for the
 * policy dry-run summary.
 */
import { Stack, Table, Text } from '@mantine/core';
import { isObject } from '../api';
import { humanize, money, percent } from '../format';
import { ScrollTable } from './ScrollTable';

export function formatValue(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (/cents$/i.test(key)) return money(v);
    if (/rate$/i.test(key)) return percent(v);
    return v.toLocaleString('en-US');
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ');
    return `${v.length} item${v.length === 1 ? '' : 's'}`;
  }
  if (isObject(v)) {
    const entries = Object.entries(v);
    if (entries.every(([, x]) => typeof x !== 'object' || x === null))
      return entries.map(([k, x]) => `${humanize(k)}: ${formatValue(k, x)}`).join('; ');
    return JSON.stringify(v);
  }
  return String(v);
}

const label = (key: string) =>
  humanize(key.replace(/Cents$/, '').replace(/([a-z])([A-Z])/g, '$1 $2')).toLowerCase();

function ObjectTable({ rows, caption }: { rows: Record<string, unknown>[]; caption: string }) {
  const max = 200;
  const cols: string[] = [];
  for (const r of rows.slice(0, 50))
    for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return (
    <ScrollTable label={caption} minWidth={500}>
      <Table striped withTableBorder fz="sm">
        <Table.Caption>
          {caption}
          {rows.length > max ? ` (first ${max} of ${rows.length})` : ''}
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {cols.map((c) => (
              <Table.Th scope="col" key={c}>
                {label(c)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.slice(0, max).map((r, i) => (
            <Table.Tr key={i}>
              {cols.map((c) => (
                <Table.Td key={c}>{formatValue(c, r[c])}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}

export function JsonView({
  value,
  title = 'Details',
  depth = 0,
}: {
  value: unknown;
  title?: string;
  depth?: number;
}) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm">{title}: none.</Text>;
    if (value.every(isObject))
      return <ObjectTable rows={value as Record<string, unknown>[]} caption={title} />;
    return (
      <Text size="sm">
        {title}: {formatValue(title, value)}
      </Text>
    );
  }
  if (!isObject(value)) return <Text size="sm">{formatValue(title, value)}</Text>;
  const scalars = Object.entries(value).filter(
    ([, v]) =>
      !(Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)) &&
      !(
        isObject(v) &&
        depth < 3 &&
        Object.values(v).some((x) => typeof x === 'object' && x !== null)
      ),
  );
  const nested = Object.entries(value).filter(([k]) => !scalars.some(([s]) => s === k));
  return (
    <Stack gap="md">
      {scalars.length > 0 && (
        <Table withTableBorder fz="sm" maw={640}>
          <Table.Caption>{title}</Table.Caption>
          <Table.Tbody>
            {scalars.map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Th scope="row" w="40%">
                  {label(k)}
                </Table.Th>
                <Table.Td>{formatValue(k, v)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {nested.map(([k, v]) => (
        <JsonView key={k} value={v} title={label(k)} depth={depth + 1} />
      ))}
    </Stack>
  );
}
