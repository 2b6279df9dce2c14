import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiRequestError } from '../api/index.js';
import { useApi } from '../auth/index.js';
import {
  Badge,
  Card,
  DateTime,
  ErrorState,
  Id,
  IdLink,
  JsonView,
  KeyValue,
  Loading,
  PageHeader,
  StatusBadge,
} from '../components/index.js';
import { useProjects } from '../hooks/index.js';
import { shortId } from '../lib/index.js';
import { RedispatchButton } from './RedispatchButton.js';
import styles from './pages.module.css';

export function EventDetail() {
  const { eventId = '' } = useParams();
  const api = useApi();
  const event = useQuery({ queryKey: ['event', eventId], queryFn: () => api.getEvent(eventId) });
  const { nameOf } = useProjects();

  if (event.isPending) return <Loading label="Loading the event…" />;
  if (event.isError) {
    const notFound = event.error instanceof ApiRequestError && event.error.isNotFound;
    return (
      <>
        <PageHeader
          title={notFound ? 'Event not found' : 'Event'}
          crumbs={[{ label: 'Events', to: '/events' }]}
        />
        <ErrorState
          error={event.error}
          title={notFound ? `No event ${eventId}` : 'Could not load the event'}
          onRetry={() => void event.refetch()}
        />
      </>
    );
  }
  const e = event.data;
  return (
    <div className={styles.stack}>
      <PageHeader
        title={<span className="mono">{e.eventId}</span>}
        documentTitle={`Event ${shortId(e.eventId)}`}
        crumbs={[{ label: 'Events', to: '/events' }]}
        badge={<StatusBadge state={e.status} />}
        subtitle={
          <>
            {e.type} event{e.triggerName !== undefined ? ` of trigger ${e.triggerName}` : ''} · received{' '}
            <DateTime value={e.time} />
          </>
        }
        actions={<RedispatchButton eventId={e.eventId} size="normal" openResult />}
      />
      <div className={styles.grid3}>
        <Card
          title="Data"
          description="What the trigger received (for webhooks: method, URL, headers, query and body)."
        >
          <JsonView value={e.data} label="Event data" />
        </Card>
        <Card title="Details">
          <KeyValue
            items={[
              ['Outcome', <StatusBadge key="status" state={e.status} />],
              ['Why', e.reason],
              [
                'Type',
                <Badge key="type" tone="info">
                  {e.type}
                </Badge>,
              ],
              [
                'Project',
                <Link key="project" to={`/projects/${e.projectId}`}>
                  {nameOf(e.projectId) ?? shortId(e.projectId)}
                </Link>,
              ],
              ['Trigger', e.triggerName],
              ['Entry point', e.entry !== undefined ? <code>{e.entry}</code> : undefined],
              ['Deployment', e.deploymentId !== undefined ? <Id id={e.deploymentId} /> : undefined],
              [
                'Session',
                e.sessionId !== undefined ? (
                  <IdLink id={e.sessionId} to={`/sessions/${e.sessionId}`} full />
                ) : undefined,
              ],
              [
                'Redispatch of',
                e.redispatchOf !== undefined ? (
                  <IdLink id={e.redispatchOf} to={`/events/${e.redispatchOf}`} />
                ) : undefined,
              ],
              ['Received', <DateTime key="time" value={e.time} />],
            ]}
          />
        </Card>
      </div>
    </div>
  );
}
