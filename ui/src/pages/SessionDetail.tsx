import { useEffect, useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { SessionInfo } from '../api/index.js';
import { ApiRequestError } from '../api/index.js';
import { useApi } from '../auth/index.js';
import {
  Badge,
  Button,
  Card,
  DateTime,
  Dialog,
  ErrorDetails,
  ErrorState,
  Field,
  Id,
  JsonView,
  KeyValue,
  Loading,
  PageHeader,
  StatusBadge,
  TextArea,
  TextInput,
  useToast,
} from '../components/index.js';
import { useAction, useProjects, useSessionStream, useThrottled } from '../hooks/index.js';
import { asErrorInfo, buildTimeline, formatDuration, isFinalSessionState, shortId } from '../lib/index.js';
import { SessionActions } from './SessionActions.js';
import { SourceExcerpt } from './SourceExcerpt.js';
import { Timeline } from './Timeline.js';
import styles from './pages.module.css';

/** One session: state, timings, input, result or error, and its journal as a live timeline. */
export function SessionDetail() {
  const { sessionId = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: ['session', sessionId], queryFn: () => api.getSession(sessionId) });
  const refresh = useThrottled(
    () => void queryClient.invalidateQueries({ queryKey: ['session', sessionId] }),
    750,
  );
  const stream = useSessionStream(api, sessionId, refresh);
  const timeline = useMemo(() => buildTimeline(stream.events), [stream.events]);

  // The stream's snapshot and its events' statuses are newer than the last fetch: refetch the
  // full session (input, result, error) whenever the state moved on.
  const liveStatus = stream.snapshot?.status;
  const fetchedStatus = session.data?.status;
  useEffect(() => {
    if (fetchedStatus !== undefined && liveStatus !== undefined && liveStatus !== fetchedStatus) refresh();
  }, [liveStatus, fetchedStatus, refresh]);

  if (session.isPending) return <Loading label="Loading the session…" />;
  if (session.isError) {
    const notFound = session.error instanceof ApiRequestError && session.error.isNotFound;
    return (
      <>
        <PageHeader
          title={notFound ? 'Session not found' : 'Session'}
          crumbs={[{ label: 'Sessions', to: '/sessions' }]}
        />
        <ErrorState
          error={session.error}
          title={
            notFound ? `No session ${sessionId} (it may have been deleted)` : 'Could not load the session'
          }
          onRetry={() => void session.refetch()}
        />
      </>
    );
  }

  const s = session.data;
  const status = liveStatus ?? s.status;
  const ended = isFinalSessionState(status);
  return (
    <div className={styles.stack}>
      <PageHeader
        title={<span className="mono">{s.sessionId}</span>}
        documentTitle={`Session ${shortId(s.sessionId)}`}
        crumbs={[{ label: 'Sessions', to: '/sessions' }]}
        badge={<StatusBadge state={status} />}
        subtitle={
          <>
            <code>{s.entry}</code> · started <DateTime value={s.startedAt} />
          </>
        }
        actions={
          <>
            {!ended && <SignalButton sessionId={s.sessionId} />}
            <DownloadJournalButton sessionId={s.sessionId} />
            <SessionActions
              session={{ sessionId: s.sessionId, status }}
              size="normal"
              onChanged={refresh}
              afterDelete="/sessions"
            />
          </>
        }
      />
      <div className={styles.grid3}>
        <div className={styles.stack}>
          <Outcome session={s} status={status} />
          <Card
            title="Timeline"
            description={`${timeline.counts.activities} activities · ${timeline.counts.timers} timers · ${timeline.counts.signals} signals · ${timeline.counts.children} child sessions · ${timeline.counts.logs} log lines`}
            actions={
              <span
                className={styles.liveDot}
                data-status={stream.status === 'ended' ? 'ended' : stream.status}
                aria-live="polite"
              >
                {stream.status === 'live'
                  ? 'Live'
                  : stream.status === 'ended'
                    ? 'Complete'
                    : stream.status === 'reconnecting'
                      ? 'Reconnecting…'
                      : 'Connecting…'}
              </span>
            }
            flush
          >
            {stream.events.length === 0 && stream.status !== 'ended' ? (
              <Loading label="Loading the journal…" />
            ) : (
              <Timeline timeline={timeline} />
            )}
          </Card>
        </div>
        <div className={styles.stack}>
          <Card title="Details">
            <Overview session={s} status={status} />
          </Card>
          <Card title="Input">
            <JsonView value={s.input} label="Session input" />
          </Card>
        </div>
      </div>
    </div>
  );
}

function Overview({ session: s, status }: { session: SessionInfo; status: string }) {
  const { nameOf } = useProjects();
  const trigger = s.trigger;
  const waiting = s.waitingFor;
  return (
    <KeyValue
      items={[
        ['State', <StatusBadge key="state" state={status} />],
        ['Started', <DateTime key="started" value={s.startedAt} />],
        ['Ended', s.endedAt !== undefined ? <DateTime value={s.endedAt} /> : undefined],
        [
          'Duration',
          s.durationMs !== undefined
            ? formatDuration(s.durationMs)
            : `${formatDuration(Date.now() - s.startedAt)} so far`,
        ],
        ['Entry point', <code key="entry">{s.entry}</code>],
        [
          'Project',
          s.projectId !== undefined ? (
            <Link to={`/projects/${s.projectId}`}>{nameOf(s.projectId) ?? shortId(s.projectId)}</Link>
          ) : undefined,
        ],
        ['Deployment', s.deploymentId !== undefined ? <Id id={s.deploymentId} /> : undefined],
        ['Build', <Id key="build" id={s.buildId} />],
        [
          'Started build',
          s.startBuildId !== undefined && s.startBuildId !== s.buildId ? (
            <Id id={s.startBuildId} />
          ) : undefined,
        ],
        [
          'Trigger',
          trigger !== undefined ? (
            <span>
              {trigger.kind}
              {trigger.eventId !== undefined && (
                <>
                  {' · event '}
                  <Link to={`/events/${trigger.eventId}`} className="mono">
                    {shortId(trigger.eventId)}
                  </Link>
                </>
              )}
              {trigger.sessionId !== undefined && (
                <>
                  {' · of '}
                  <Link to={`/sessions/${trigger.sessionId}`} className="mono">
                    {shortId(trigger.sessionId)}
                  </Link>
                </>
              )}
            </span>
          ) : undefined,
        ],
        [
          'Parent',
          s.parentSessionId !== undefined ? (
            <Link to={`/sessions/${s.parentSessionId}`} className="mono">
              {shortId(s.parentSessionId)}
            </Link>
          ) : undefined,
        ],
        [
          'Waiting for',
          !isFinalSessionState(status) && waiting !== undefined
            ? [
                waiting.activities > 0 ? `${waiting.activities} activities` : '',
                waiting.timers > 0 ? `${waiting.timers} timers` : '',
                waiting.children > 0 ? `${waiting.children} child sessions` : '',
              ]
                .filter(Boolean)
                .join(', ') || 'a signal or the next step'
            : undefined,
        ],
        [
          'Labels',
          s.labels !== undefined && Object.keys(s.labels).length > 0 ? (
            <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
              {Object.entries(s.labels).map(([k, v]) => (
                <Badge key={k}>
                  {k}={v}
                </Badge>
              ))}
            </span>
          ) : undefined,
        ],
      ]}
    />
  );
}

function Outcome({ session: s, status }: { session: SessionInfo; status: string }) {
  if (status === 'completed' && s.status === 'completed') {
    return (
      <Card
        title="Result"
        description={
          s.response !== undefined ? `Answered the webhook caller with ${s.response.status}` : undefined
        }
      >
        <JsonView value={s.result} label="Session result" />
      </Card>
    );
  }
  if (status === 'failed' && s.error !== undefined) {
    const error = asErrorInfo(s.error);
    return (
      <Card title="Error">
        {error !== undefined ? <ErrorDetails error={error} /> : <JsonView value={s.error} />}
        {error !== undefined && s.projectId !== undefined && (
          <SourceExcerpt projectId={s.projectId} buildId={s.buildId} error={error} />
        )}
      </Card>
    );
  }
  if (status === 'stopped') {
    return (
      <Card title="Stopped">
        <p style={{ margin: 0 }}>{s.stopReason ?? 'Stopped by an operator.'}</p>
      </Card>
    );
  }
  if (status === 'parked' && s.parked !== undefined) {
    const error = s.parked.error !== undefined ? asErrorInfo(s.parked.error) : undefined;
    return (
      <Card
        title={`Parked: ${s.parked.code}`}
        description="The session waits for attention: deploy a fixed build and it resumes on it."
      >
        <p style={{ margin: '0 0 12px', whiteSpace: 'pre-wrap' }}>
          {s.parked.divergence?.message ?? s.parked.message}
        </p>
        {error !== undefined && <ErrorDetails error={error} />}
      </Card>
    );
  }
  return null;
}

function SignalButton({ sessionId }: { sessionId: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [payload, setPayload] = useState('');
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const send = useAction(
    (arg: { name: string; payload: unknown }) => api.signalSession(sessionId, arg.name, arg.payload),
    { success: (r) => `Signal “${r.name}” sent.`, failure: 'The signal could not be sent' },
    () => {
      setOpen(false);
      setName('');
      setPayload('');
    },
  );
  const submit = () => {
    if (name.trim() === '') {
      setInvalid(undefined);
      return;
    }
    let value: unknown = undefined;
    if (payload.trim() !== '') {
      try {
        value = JSON.parse(payload);
      } catch (cause) {
        setInvalid(`Not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
        return;
      }
    }
    setInvalid(undefined);
    send.mutate({ name: name.trim(), payload: value });
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>Send signal</Button>
      <Dialog
        open={open}
        title="Send a signal"
        onClose={() => setOpen(false)}
        onSubmit={submit}
        submitLabel="Send"
        busy={send.isPending}
      >
        <p>The session receives the signal by name, with the payload (any JSON), at its next step.</p>
        <Field label="Signal name">
          {(props) => (
            <TextInput
              {...props}
              name="signal"
              required
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="approve"
              autoFocus
            />
          )}
        </Field>
        <Field label="Payload (JSON, optional)" {...(invalid !== undefined ? { error: invalid } : {})}>
          {(props) => (
            <TextArea
              {...props}
              name="payload"
              value={payload}
              onChange={(e) => setPayload(e.target.value)}
              placeholder='{ "approved": true }'
            />
          )}
        </Field>
      </Dialog>
    </>
  );
}

function DownloadJournalButton({ sessionId }: { sessionId: string }) {
  const api = useApi();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const { blob, filename } = await api.downloadJournal(sessionId);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast.show(`Journal saved as ${filename}. Replay it with \`whisker replay ${filename}\`.`, 'success');
    } catch (cause) {
      toast.show(
        `The journal could not be downloaded: ${cause instanceof Error ? cause.message : String(cause)}`,
        'danger',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      onClick={() => void download()}
      busy={busy}
      title="Download the journal to replay the session offline (whisker replay)"
    >
      Download journal
    </Button>
  );
}
