import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useApi } from '../auth/index.js';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  Field,
  IdLink,
  Loading,
  PageHeader,
  Pagination,
  RelativeTime,
  Select,
  StatusBadge,
  Table,
} from '../components/index.js';
import { useProjects } from '../hooks/index.js';
import { shortId } from '../lib/index.js';
import { RedispatchButton } from './RedispatchButton.js';
import styles from './pages.module.css';

const EVENT_TYPES = ['webhook', 'schedule', 'manual', 'connection'];
const EVENT_STATUSES = ['received', 'dispatched', 'filtered', 'not-dispatched'];
const PAGE_SIZE = 50;

/** Every trigger occurrence, recorded before dispatch: list, inspect, redispatch. */
export function Events() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const project = params.get('project') ?? undefined;
  const type = params.get('type') ?? undefined;
  const status = params.get('status') ?? undefined;
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const filterKey = `${project ?? ''}|${type ?? ''}|${status ?? ''}`;
  useEffect(() => setCursors([undefined]), [filterKey]);
  const cursor = cursors[cursors.length - 1];

  const events = useQuery({
    queryKey: ['events', filterKey, cursor ?? ''],
    queryFn: () =>
      api.listEvents({
        ...(project !== undefined ? { project } : {}),
        ...(type !== undefined ? { type } : {}),
        ...(status !== undefined ? { status } : {}),
        limit: PAGE_SIZE,
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const { projects, nameOf } = useProjects();

  const update = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next);
  };
  const filtered = project !== undefined || type !== undefined || status !== undefined;
  const page = events.data;

  return (
    <>
      <PageHeader
        title="Events"
        subtitle="Every webhook call, schedule tick, manual run and connection event, recorded before it is dispatched."
      />
      <Card flush>
        <div className={styles.filters} role="search" aria-label="Filter events">
          <Field label="Project">
            {(props) => (
              <Select {...props} value={project ?? ''} onChange={(e) => update('project', e.target.value)}>
                <option value="">All projects</option>
                {(projects ?? []).map((p) => (
                  <option key={p.projectId} value={p.projectId}>
                    {p.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Type">
            {(props) => (
              <Select {...props} value={type ?? ''} onChange={(e) => update('type', e.target.value)}>
                <option value="">Any type</option>
                {EVENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Outcome">
            {(props) => (
              <Select {...props} value={status ?? ''} onChange={(e) => update('status', e.target.value)}>
                <option value="">Any outcome</option>
                {EVENT_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace('-', ' ')}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <div className={styles.filterActions}>
            {filtered && (
              <Button size="small" variant="ghost" onClick={() => setParams(new URLSearchParams())}>
                Clear filters
              </Button>
            )}
          </div>
        </div>
        {events.isPending && <Loading label="Loading events…" />}
        {events.isError && (
          <ErrorState
            error={events.error}
            title="Could not load events"
            onRetry={() => void events.refetch()}
          />
        )}
        {page !== undefined && page.events.length === 0 && (
          <EmptyState title={filtered ? 'No event matches these filters' : 'No events yet'} icon="↯">
            {filtered
              ? 'Try another project, type or outcome.'
              : 'Events are recorded each time a trigger fires: a webhook call, a schedule tick, a manual run. Call a webhook URL from a project page to see one.'}
          </EmptyState>
        )}
        {page !== undefined && page.events.length > 0 && (
          <>
            <Table
              label="Events"
              head={
                <tr>
                  <th>Event</th>
                  <th>Type</th>
                  <th>Trigger</th>
                  <th>Project</th>
                  <th>Outcome</th>
                  <th>Session</th>
                  <th>Received</th>
                  <th className="actions">Actions</th>
                </tr>
              }
            >
              {page.events.map((e) => (
                <tr key={e.eventId} data-event-id={e.eventId}>
                  <td>
                    <IdLink id={e.eventId} to={`/events/${e.eventId}`} />
                    {e.redispatchOf !== undefined && (
                      <div className="muted small">redispatch of {shortId(e.redispatchOf)}</div>
                    )}
                  </td>
                  <td>
                    <Badge tone="info">{e.type}</Badge>
                  </td>
                  <td>{e.triggerName ?? (e.entry !== undefined ? <code>{e.entry}</code> : '—')}</td>
                  <td>{nameOf(e.projectId) ?? shortId(e.projectId)}</td>
                  <td>
                    <StatusBadge state={e.status} />
                    {e.reason !== undefined && <div className="muted small">{e.reason}</div>}
                  </td>
                  <td>
                    {e.sessionId !== undefined ? (
                      <IdLink id={e.sessionId} to={`/sessions/${e.sessionId}`} />
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <RelativeTime value={e.time} />
                  </td>
                  <td className="actions">
                    <RedispatchButton eventId={e.eventId} />
                  </td>
                </tr>
              ))}
            </Table>
            <Pagination
              offset={(cursors.length - 1) * PAGE_SIZE}
              shown={page.events.length}
              total={page.total}
              hasPrevious={cursors.length > 1}
              hasNext={page.nextCursor !== undefined}
              onPrevious={() => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list))}
              onNext={() => page.nextCursor !== undefined && setCursors((list) => [...list, page.nextCursor])}
            />
          </>
        )}
      </Card>
    </>
  );
}
