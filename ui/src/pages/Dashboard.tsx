import type { ReactNode } from 'react';
import type * as Charts from './DashboardCharts.js';
import { lazy, Suspense, useEffect, useMemo } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../auth/index.js';
import { Card, EmptyState, ErrorState, Field, Loading, PageHeader, Select } from '../components/index.js';
import { useSessionChanges, useThrottled } from '../hooks/index.js';
import {
  fillSeries,
  formatCount,
  formatDuration,
  formatPercent,
  rangeStart,
  shortId,
  TIME_RANGES,
  timeRange,
} from '../lib/index.js';
import { DEPLOY_COMMAND } from './constants.js';
import styles from './pages.module.css';

// The chart library is the largest dependency: no other page downloads it, and the dashboard
// starts loading it as it mounts, while the statistics are being fetched.
let chartsModule: Promise<typeof Charts> | undefined;
const loadCharts = () => (chartsModule ??= import('./DashboardCharts.js'));
const SessionsOverTime = lazy(() => loadCharts().then((m) => ({ default: m.SessionsOverTime })));
const OutcomeDonut = lazy(() => loadCharts().then((m) => ({ default: m.OutcomeDonut })));
const PercentileBars = lazy(() => loadCharts().then((m) => ({ default: m.PercentileBars })));
const StateBars = lazy(() => loadCharts().then((m) => ({ default: m.StateBars })));

/** Where a chart goes, holding its height while the chart library loads. */
function ChartSlot({ height, children }: { height: number; children: ReactNode }) {
  return <Suspense fallback={<div style={{ height }} aria-busy="true" />}>{children}</Suspense>;
}

/** Sessions over time, success and failure rates, durations: for all projects, one, or one deployment. */
export function Dashboard() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const project = params.get('project') ?? undefined;
  const deploymentId = params.get('deployment') ?? undefined;
  const range = timeRange(params.get('range'));
  // The range's start moves with time; it is recomputed on each fetch (the query key holds the range id).
  const statsKey = ['stats', project, deploymentId, range.id] as const;

  // A new user may be deploying their first project right now: the welcome page notices it.
  useEffect(() => {
    void loadCharts();
  }, []);
  const projects = useQuery({
    queryKey: ['projects'],
    queryFn: () => api.listProjects(),
    refetchInterval: (query) => (query.state.data?.length === 0 ? 3000 : false),
  });
  const projectDetail = useQuery({
    queryKey: ['project', project],
    queryFn: () => api.getProject(project as string),
    enabled: project !== undefined,
  });
  const stats = useQuery({
    queryKey: statsKey,
    queryFn: async () => {
      const now = Date.now();
      const since = rangeStart(range, now);
      const result = await api.stats({
        ...(project !== undefined ? { project } : {}),
        ...(deploymentId !== undefined ? { deploymentId } : {}),
        since,
        bucketMs: range.bucketMs,
      });
      return { result, series: fillSeries(result.series, since, now, range.bucketMs) };
    },
    refetchInterval: 30_000,
    placeholderData: (previous) => previous,
  });

  const refresh = useThrottled(() => void queryClient.invalidateQueries({ queryKey: ['stats'] }), 3000);
  const live = useSessionChanges(api, project, refresh);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    if (key === 'project') next.delete('deployment');
    setParams(next, { replace: true });
  };

  const deployments = useMemo(() => projectDetail.data?.deployments ?? [], [projectDetail.data]);

  if (projects.isPending) return <Loading label="Loading the dashboard…" />;
  if (projects.isError)
    return (
      <ErrorState
        error={projects.error}
        title="Could not load projects"
        onRetry={() => void projects.refetch()}
      />
    );

  if (projects.data.length === 0) {
    return (
      <>
        <PageHeader title="Dashboard" />
        <Card>
          <EmptyState title="Welcome to Whisker" command={DEPLOY_COMMAND} icon="⇪">
            There is nothing to show yet. Deploy a project from its directory (with its{' '}
            <code>whisker.yaml</code>) and its sessions will appear here, live.
          </EmptyState>
        </Card>
      </>
    );
  }

  const s = stats.data?.result;
  const open =
    s === undefined
      ? undefined
      : (s.byStatus['running'] ?? 0) + (s.byStatus['waiting'] ?? 0) + (s.byStatus['created'] ?? 0);

  return (
    <div className={styles.stack}>
      <PageHeader
        title="Dashboard"
        subtitle="Sessions over time, outcomes and durations. Updates live."
        actions={
          <span className={styles.liveDot} data-status={live}>
            {live === 'live' ? 'Live' : live === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
          </span>
        }
      />
      <div className={styles.toolbar} role="group" aria-label="Dashboard filters">
        <Field label="Project">
          {(props) => (
            <Select {...props} value={project ?? ''} onChange={(e) => setFilter('project', e.target.value)}>
              <option value="">All projects</option>
              {projects.data.map((p) => (
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
              value={deploymentId ?? ''}
              disabled={project === undefined}
              onChange={(e) => setFilter('deployment', e.target.value)}
            >
              <option value="">{project === undefined ? 'Pick a project first' : 'All deployments'}</option>
              {deployments.map((d) => (
                <option key={d.deploymentId} value={d.deploymentId}>
                  {shortId(d.deploymentId)} · {d.state}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Time range">
          {(props) => (
            <Select {...props} value={range.id} onChange={(e) => setFilter('range', e.target.value)}>
              {TIME_RANGES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>

      {stats.isError && (
        <ErrorState
          error={stats.error}
          title="Could not load statistics"
          onRetry={() => void stats.refetch()}
        />
      )}
      {stats.isPending && <Loading label="Loading statistics…" />}
      {s !== undefined && stats.data !== undefined && (
        <>
          <div className={styles.tiles}>
            <Tile label="Sessions" value={formatCount(s.total)} hint={`${formatCount(open)} open`} />
            <Tile label="Success rate" value={formatPercent(s.successRate)} hint="completed of ended" />
            <Tile label="Failure rate" value={formatPercent(s.failureRate)} hint="failed of ended" />
            <Tile
              label="Duration p50 / p95"
              value={formatDuration(s.durationMs.p50)}
              hint={`p95 ${formatDuration(s.durationMs.p95)}`}
            />
          </div>
          <div className={styles.grid3}>
            <Card title="Sessions over time" description={`${range.label}: started, and ended by outcome`}>
              {s.total === 0 ? (
                <EmptyState title="No sessions in this range" icon="◔">
                  Fire a trigger (a webhook, a schedule, or <Link to="/projects">a manual run</Link>) and they
                  will show up here.
                </EmptyState>
              ) : (
                <ChartSlot height={280}>
                  <SessionsOverTime series={stats.data.series} bucketMs={range.bucketMs} />
                </ChartSlot>
              )}
            </Card>
            <Card title="Outcomes" description="Completed, failed and stopped sessions">
              <ChartSlot height={280}>
                <OutcomeDonut stats={s} />
              </ChartSlot>
            </Card>
          </div>
          <div className={styles.grid2}>
            <Card
              title="Durations"
              description="Session duration and start delay (event received → session started)"
            >
              <ChartSlot height={260}>
                <PercentileBars duration={s.durationMs} startDelay={s.startDelayMs} />
              </ChartSlot>
            </Card>
            <Card title="By state" description="Every session of the range by its current state">
              <ChartSlot height={260}>
                <StateBars byStatus={s.byStatus} />
              </ChartSlot>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}

function Tile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className={styles.tile}>
      <div className={styles.tileLabel}>{label}</div>
      <div className={styles.tileValue}>{value}</div>
      {hint !== undefined && <div className={styles.tileHint}>{hint}</div>}
    </div>
  );
}
