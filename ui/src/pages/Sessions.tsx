import type { FormEvent } from 'react';
import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { SessionInfo } from '../api/index.js';
import { useApi } from '../auth/index.js';
import {
  Button,
  Card,
  EmptyState,
  ErrorState,
  Field,
  freshRowClass,
  IdLink,
  Loading,
  PageHeader,
  Pagination,
  RelativeTime,
  Select,
  StatusBadge,
  Table,
  TextInput,
} from '../components/index.js';
import { useProjects, useSessionChanges, useThrottled } from '../hooks/index.js';
import type { SessionFilters } from '../lib/index.js';
import {
  filtersFromSearch,
  formatDuration,
  hasFilters,
  isFinalSessionState,
  localInputToMillis,
  searchFromFilters,
  SESSION_STATES,
  shortId,
} from '../lib/index.js';
import { SessionActions } from './SessionActions.js';
import styles from './pages.module.css';

const PAGE_SIZES = [25, 50, 100];
const FRESH_MS = 2000;

/** Every session, newest first: filters in the URL, paging and filtering on the server, live. */
export function Sessions() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(params), [params]);
  const [pageSize, setPageSize] = useState(50);
  // Cursors of the pages visited: [undefined (first page), cursor of page 2, …].
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [entryDraft, setEntryDraft] = useState(filters.entry ?? '');
  const [fresh, setFresh] = useState<ReadonlyMap<string, number>>(new Map());
  const filterKey = searchFromFilters(filters).toString();

  // A new filter or page size starts again at the first page (filterKey stands for the filters).
  useEffect(() => {
    setCursors([undefined]);
    setEntryDraft(filters.entry ?? '');
  }, [filterKey, pageSize, filters.entry]);

  const cursor = cursors[cursors.length - 1];
  const queryKey = ['sessions', filterKey, pageSize, cursor ?? ''] as const;
  const sessions = useQuery({
    queryKey,
    queryFn: () => {
      const startedAfter = localInputToMillis(filters.from);
      const startedBefore = localInputToMillis(filters.to);
      return api.listSessions({
        ...(filters.project !== undefined ? { project: filters.project } : {}),
        ...(filters.deployment !== undefined ? { deploymentId: filters.deployment } : {}),
        ...(filters.state !== undefined ? { status: filters.state } : {}),
        ...(filters.entry !== undefined ? { entry: filters.entry } : {}),
        ...(startedAfter !== undefined ? { startedAfter } : {}),
        ...(startedBefore !== undefined ? { startedBefore } : {}),
        limit: pageSize,
        ...(cursor !== undefined ? { cursor } : {}),
      });
    },
    placeholderData: keepPreviousData,
  });
  const { projects, nameOf } = useProjects();
  const projectDetail = useQuery({
    queryKey: ['project', filters.project],
    queryFn: () => api.getProject(filters.project as string),
    enabled: filters.project !== undefined,
  });

  const refetch = useThrottled(() => void queryClient.invalidateQueries({ queryKey: ['sessions'] }), 1000);
  const live = useSessionChanges(api, filters.project, (session: SessionInfo) => {
    // Rows changed in the last 2 s flash; older marks are dropped so the map stays small.
    setFresh((map) => {
      const now = Date.now();
      const next = new Map([...map].filter(([, at]) => at > now - FRESH_MS));
      return next.set(session.sessionId, now);
    });
    refetch();
  });

  const setFilters = (next: SessionFilters) => setParams(searchFromFilters(next), { replace: false });
  const update = (key: keyof SessionFilters, value: string) => {
    const next: SessionFilters = { ...filters };
    if (value === '') delete next[key];
    else next[key] = value;
    if (key === 'project') delete next.deployment;
    setFilters(next);
  };
  const submitEntry = (event: FormEvent) => {
    event.preventDefault();
    update('entry', entryDraft.trim());
  };

  const page = sessions.data;
  const offset = (cursors.length - 1) * pageSize;
  const now = Date.now();

  return (
    <>
      <PageHeader
        title="Sessions"
        subtitle="Every run of workflow code, newest first."
        actions={
          <span className={styles.liveDot} data-status={live} aria-live="polite">
            {live === 'live' ? 'Live' : live === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
          </span>
        }
      />
      <Card flush>
        <form className={styles.filters} onSubmit={submitEntry} role="search" aria-label="Filter sessions">
          <Field label="Project">
            {(props) => (
              <Select
                {...props}
                name="project"
                value={filters.project ?? ''}
                onChange={(e) => update('project', e.target.value)}
              >
                <option value="">All projects</option>
                {(projects ?? []).map((p) => (
                  <option key={p.projectId} value={p.projectId}>
                    {p.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Deployment">
            {(props) => (
              <Select
                {...props}
                name="deployment"
                value={filters.deployment ?? ''}
                disabled={filters.project === undefined}
                onChange={(e) => update('deployment', e.target.value)}
              >
                <option value="">
                  {filters.project === undefined ? 'Pick a project first' : 'All deployments'}
                </option>
                {(projectDetail.data?.deployments ?? []).map((d) => (
                  <option key={d.deploymentId} value={d.deploymentId}>
                    {shortId(d.deploymentId)} · {d.state}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="State">
            {(props) => (
              <Select
                {...props}
                name="state"
                value={filters.state ?? ''}
                onChange={(e) => update('state', e.target.value)}
              >
                <option value="">Any state</option>
                {SESSION_STATES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <div className={styles.grow}>
            <Field label="Entry point">
              {(props) => (
                <TextInput
                  {...props}
                  name="entry"
                  value={entryDraft}
                  placeholder="handlers.ts:onHello"
                  onChange={(e) => setEntryDraft(e.target.value)}
                  onBlur={() =>
                    entryDraft.trim() !== (filters.entry ?? '') && update('entry', entryDraft.trim())
                  }
                />
              )}
            </Field>
          </div>
          <Field label="Started after">
            {(props) => (
              <TextInput
                {...props}
                name="from"
                type="datetime-local"
                value={filters.from ?? ''}
                onChange={(e) => update('from', e.target.value)}
              />
            )}
          </Field>
          <Field label="Started before">
            {(props) => (
              <TextInput
                {...props}
                name="to"
                type="datetime-local"
                value={filters.to ?? ''}
                onChange={(e) => update('to', e.target.value)}
              />
            )}
          </Field>
          <div className={styles.filterActions}>
            {hasFilters(filters) && (
              <Button size="small" variant="ghost" onClick={() => setFilters({})}>
                Clear filters
              </Button>
            )}
          </div>
        </form>

        {sessions.isPending && <Loading label="Loading sessions…" />}
        {sessions.isError && (
          <ErrorState
            error={sessions.error}
            title="Could not load sessions"
            onRetry={() => void sessions.refetch()}
          />
        )}
        {page !== undefined &&
          page.sessions.length === 0 &&
          (hasFilters(filters) ? (
            <EmptyState
              title="No session matches these filters"
              icon="⌕"
              actions={
                <Button onClick={() => setFilters({})} variant="secondary">
                  Clear filters
                </Button>
              }
            />
          ) : (
            <EmptyState
              title="No sessions yet"
              command="curl -X POST <webhook URL from the project page>"
              icon="≡"
            >
              A session starts each time a trigger fires: call a webhook (its URL is on the project page),
              wait for a schedule, or run <code>whisker session start</code>. New sessions appear here as they
              start.
            </EmptyState>
          ))}
        {page !== undefined && page.sessions.length > 0 && (
          <>
            <Table
              label="Sessions"
              head={
                <tr>
                  <th>Session</th>
                  <th>State</th>
                  <th>Entry point</th>
                  <th>Project</th>
                  <th>Trigger</th>
                  <th>Started</th>
                  <th className="num">Duration</th>
                  <th className="actions">Actions</th>
                </tr>
              }
            >
              {page.sessions.map((s) => (
                <tr
                  key={s.sessionId}
                  data-session-id={s.sessionId}
                  className={(fresh.get(s.sessionId) ?? 0) > now - FRESH_MS ? freshRowClass : undefined}
                >
                  <td>
                    <IdLink id={s.sessionId} to={`/sessions/${s.sessionId}`} />
                  </td>
                  <td>
                    <StatusBadge state={s.status} />
                  </td>
                  <td className="mono">{s.entry}</td>
                  <td>{s.projectId !== undefined ? (nameOf(s.projectId) ?? shortId(s.projectId)) : '—'}</td>
                  <td className="muted">{s.trigger?.kind ?? '—'}</td>
                  <td>
                    <RelativeTime value={s.startedAt} />
                  </td>
                  <td className="num">
                    {isFinalSessionState(s.status) ? (
                      formatDuration(s.durationMs)
                    ) : (
                      <span className="muted">{formatDuration(now - s.startedAt)}…</span>
                    )}
                  </td>
                  <td className="actions">
                    <SessionActions session={s} onChanged={refetch} />
                  </td>
                </tr>
              ))}
            </Table>
            <Pagination
              offset={offset}
              shown={page.sessions.length}
              total={page.total}
              hasPrevious={cursors.length > 1}
              hasNext={page.nextCursor !== undefined}
              onPrevious={() => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list))}
              onNext={() => page.nextCursor !== undefined && setCursors((list) => [...list, page.nextCursor])}
              pageSize={pageSize}
              pageSizes={PAGE_SIZES}
              onPageSize={setPageSize}
            />
          </>
        )}
      </Card>
    </>
  );
}
