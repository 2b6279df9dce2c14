import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { BuildRecord, DeploymentRecord, ProjectDetail as Project, TriggerInfo } from '../api/index.js';
import { ApiRequestError } from '../api/index.js';
import { useApi } from '../auth/index.js';
import {
  Badge,
  Button,
  ButtonLink,
  Card,
  CodeBlock,
  ConfirmDialog,
  CopyButton,
  DateTime,
  EmptyState,
  ErrorState,
  Id,
  Loading,
  PageHeader,
  RelativeTime,
  StatusBadge,
  Table,
} from '../components/index.js';
import { useAction } from '../hooks/index.js';
import { formatCount, formatDuration, shortId } from '../lib/index.js';
import styles from './pages.module.css';

type DeploymentAction = 'activate' | 'deactivate' | 'delete';

export function ProjectDetail() {
  const { projectId = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const project = useQuery({
    queryKey: ['project', projectId],
    queryFn: () => api.getProject(projectId),
    refetchInterval: 15_000,
  });
  const deployments = useQuery({
    queryKey: ['deployments', projectId],
    queryFn: () => api.listDeployments(projectId),
    refetchInterval: 15_000,
  });
  const [pending, setPending] = useState<
    { action: DeploymentAction; deployment: DeploymentRecord } | undefined
  >();

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['project', projectId] });
    void queryClient.invalidateQueries({ queryKey: ['deployments', projectId] });
    void queryClient.invalidateQueries({ queryKey: ['projects'] });
  };
  const action = useAction(
    ({ action: kind, deployment }: { action: DeploymentAction; deployment: DeploymentRecord }) =>
      kind === 'activate'
        ? api.activateDeployment(deployment.deploymentId)
        : kind === 'deactivate'
          ? api.deactivateDeployment(deployment.deploymentId)
          : api.deleteDeployment(deployment.deploymentId),
    {
      success: (_r, { action: kind, deployment }) =>
        `Deployment ${shortId(deployment.deploymentId)} ${kind === 'delete' ? 'deleted' : kind === 'activate' ? 'activated' : 'deactivated'}.`,
      failure: 'The deployment could not be changed',
    },
    () => {
      setPending(undefined);
      refresh();
    },
  );

  if (project.isPending) return <Loading label="Loading the project…" />;
  if (project.isError) {
    const notFound = project.error instanceof ApiRequestError && project.error.isNotFound;
    return (
      <>
        <PageHeader
          title={notFound ? 'Project not found' : 'Project'}
          crumbs={[{ label: 'Projects', to: '/projects' }]}
        />
        <ErrorState
          error={project.error}
          title={notFound ? `No project ${projectId}` : 'Could not load the project'}
          onRetry={() => void project.refetch()}
        />
      </>
    );
  }

  const p = project.data;
  const deploymentList = deployments.data ?? p.deployments;
  return (
    <div className={styles.stack}>
      <PageHeader
        title={p.name}
        crumbs={[{ label: 'Projects', to: '/projects' }]}
        badge={
          p.activeDeploymentId !== undefined ? (
            <StatusBadge state="active" />
          ) : (
            <Badge>no active deployment</Badge>
          )
        }
        subtitle={
          <>
            {p.description !== undefined && <>{p.description} · </>}
            <Id id={p.projectId} full /> · created <RelativeTime value={p.createdAt} />
          </>
        }
        actions={
          <>
            <ButtonLink to={`/sessions?project=${p.projectId}`}>Sessions</ButtonLink>
            <ButtonLink to={`/events?project=${p.projectId}`}>Events</ButtonLink>
            <ButtonLink to={`/?project=${p.projectId}`} variant="primary">
              Dashboard
            </ButtonLink>
          </>
        }
      />
      <div className={styles.tiles}>
        <Tile label="Sessions" value={p.sessions.total} />
        <Tile label="Open" value={p.sessions.open} />
        <Tile label="Completed" value={p.sessions.byStatus['completed'] ?? 0} />
        <Tile label="Failed" value={p.sessions.byStatus['failed'] ?? 0} />
      </div>

      <Triggers project={p} />

      <Card
        id="deployments"
        title="Deployments"
        description="At most one is active; activating another drains the old one (its sessions finish on their build)."
        flush
      >
        {deploymentList.length === 0 ? (
          <EmptyState title="Not deployed yet" command={`whisker deploy <directory of ${p.name}>`} icon="⇪">
            Deploy the project to build it and start receiving events.
          </EmptyState>
        ) : (
          <Table
            label="Deployments"
            head={
              <tr>
                <th>Deployment</th>
                <th>State</th>
                <th>Build</th>
                <th className="num">Sessions</th>
                <th className="num">Open</th>
                <th>Created</th>
                <th>Why</th>
                <th className="actions">Actions</th>
              </tr>
            }
          >
            {deploymentList.map((d) => (
              <tr key={d.deploymentId} data-testid={`deployment-${d.deploymentId}`}>
                <td>
                  <Id id={d.deploymentId} />
                </td>
                <td>
                  <StatusBadge state={d.state} />
                </td>
                <td>
                  <Id id={d.buildId} />
                </td>
                <td className="num">
                  <Link to={`/sessions?project=${p.projectId}&deployment=${d.deploymentId}`}>
                    {formatCount(d.sessions?.total)}
                  </Link>
                </td>
                <td className="num">{formatCount(d.sessions?.open)}</td>
                <td>
                  <RelativeTime value={d.createdAt} />
                </td>
                <td className="muted">{d.reason}</td>
                <td className="actions">
                  {d.state !== 'active' && (
                    <Button size="small" onClick={() => setPending({ action: 'activate', deployment: d })}>
                      Activate
                    </Button>
                  )}
                  {(d.state === 'active' || d.state === 'testing') && (
                    <Button size="small" onClick={() => setPending({ action: 'deactivate', deployment: d })}>
                      Deactivate
                    </Button>
                  )}
                  {d.state === 'inactive' && (
                    <Button
                      size="small"
                      variant="danger"
                      onClick={() => setPending({ action: 'delete', deployment: d })}
                    >
                      Delete
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>

      <div className={styles.grid2}>
        <Card title="Variables" description="Secret values are never shown, only whether one is set." flush>
          {p.variables.length === 0 ? (
            <EmptyState title="No variables" icon="$">
              Declare them under <code>vars:</code> in whisker.yaml; set secrets with{' '}
              <code>whisker var set --secret</code>.
            </EmptyState>
          ) : (
            <Table
              label="Variables"
              head={
                <tr>
                  <th>Name</th>
                  <th>Value</th>
                  <th>Updated</th>
                </tr>
              }
            >
              {p.variables.map((v) => (
                <tr key={v.name}>
                  <td>
                    <span className="mono">{v.name}</span>
                    {v.description !== undefined && <div className="muted">{v.description}</div>}
                  </td>
                  <td>
                    {v.secret ? (
                      <Badge tone={v.isSet ? 'success' : 'warning'} dot>
                        secret · {v.isSet ? 'set' : 'not set'}
                      </Badge>
                    ) : v.isSet ? (
                      <span className="mono">{v.value}</span>
                    ) : (
                      <Badge tone="warning">not set</Badge>
                    )}
                  </td>
                  <td>
                    <RelativeTime value={v.updatedAt} />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
        <Card title="Connections" description="Links to external services, declared in whisker.yaml." flush>
          {p.connections.length === 0 ? (
            <EmptyState title="No connections" icon="⇄">
              Declare them under <code>connections:</code> in whisker.yaml.
            </EmptyState>
          ) : (
            <Table
              label="Connections"
              head={
                <tr>
                  <th>Name</th>
                  <th>Integration</th>
                  <th>Description</th>
                </tr>
              }
            >
              {p.connections.map((c) => (
                <tr key={c.name}>
                  <td className="mono">{c.name}</td>
                  <td>{c.integration}</td>
                  <td className="muted">{c.description ?? ''}</td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
      </div>

      <Builds builds={p.builds} />

      <ConfirmDialog
        open={pending !== undefined}
        title={
          pending === undefined
            ? ''
            : `${capitalize(pending.action)} deployment ${shortId(pending.deployment.deploymentId)}?`
        }
        message={pending === undefined ? '' : deploymentActionText(pending.action)}
        confirmLabel={pending === undefined ? '' : capitalize(pending.action)}
        danger={pending?.action === 'delete'}
        busy={action.isPending}
        onConfirm={() => pending !== undefined && action.mutate(pending)}
        onClose={() => setPending(undefined)}
      />
    </div>
  );
}

function deploymentActionText(kind: DeploymentAction): string {
  switch (kind) {
    case 'activate':
      return 'New events go to this deployment. The currently active one drains: its running sessions finish on their own build.';
    case 'deactivate':
      return 'The deployment stops receiving events. Its running sessions finish (it drains), then it is inactive.';
    case 'delete':
      return 'The deployment is removed. Its sessions stay listed.';
  }
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function Tile({ label, value }: { label: string; value: number }) {
  return (
    <div className={styles.tile}>
      <div className={styles.tileLabel}>{label}</div>
      <div className={styles.tileValue}>{formatCount(value)}</div>
    </div>
  );
}

function triggerDetail(t: TriggerInfo) {
  if (t.type === 'webhook' && t.webhookPath !== undefined) {
    const url = `${window.location.origin}${t.webhookPath}`;
    return (
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <code className="mono" style={{ overflowWrap: 'anywhere' }} data-testid="webhook-url">
          {url}
        </code>
        <CopyButton text={url} label="Copy webhook URL" />
      </div>
    );
  }
  if (t.type === 'schedule')
    return (
      <span>
        <code>{t.schedule}</code>
        {t.timezone !== undefined && <span className="muted"> ({t.timezone})</span>}
      </span>
    );
  if (t.type === 'connection')
    return (
      <span>
        <code>{t.connection}</code> · {t.eventType}
      </span>
    );
  return <span className="muted">run from the API or CLI</span>;
}

function Triggers({ project }: { project: Project }) {
  return (
    <Card
      id="triggers"
      title="Triggers"
      description="What starts sessions. Webhook URLs are secret: anyone who has one can start sessions."
      flush
    >
      {project.triggers.length === 0 ? (
        <EmptyState title="No triggers" icon="↯">
          Add webhook, schedule, connection or manual triggers under <code>triggers:</code> in whisker.yaml,
          then deploy again.
        </EmptyState>
      ) : (
        <Table
          label="Triggers"
          head={
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Calls</th>
              <th>Where / when</th>
              <th>Options</th>
            </tr>
          }
        >
          {project.triggers.map((t) => (
            <tr key={t.triggerId}>
              <td>
                <strong>{t.name}</strong>
              </td>
              <td>
                <Badge tone="info">{t.type}</Badge>
              </td>
              <td className="mono">{t.call}</td>
              <td>{triggerDetail(t)}</td>
              <td className="muted small">
                {[
                  t.sync === true ? 'sync response' : '',
                  t.signature !== undefined ? `${t.signature} signature` : '',
                  t.filter !== undefined ? `filter: ${t.filter}` : '',
                ]
                  .filter(Boolean)
                  .join(' · ') || '—'}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}

function Builds({ builds }: { builds: BuildRecord[] }) {
  const sorted = [...builds].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <Card
      title="Builds"
      description="Every build of the project's sources; failed ones list their problems."
      flush
    >
      {sorted.length === 0 ? (
        <EmptyState title="No builds yet" icon="⚙">
          A build is made on each deploy.
        </EmptyState>
      ) : (
        <Table
          label="Builds"
          head={
            <tr>
              <th>Build</th>
              <th>Status</th>
              <th>Hash</th>
              <th>Created</th>
              <th className="num">Took</th>
              <th>Problems</th>
            </tr>
          }
        >
          {sorted.map((b) => (
            <tr key={b.buildId}>
              <td>
                <Id id={b.buildId} />
              </td>
              <td>
                <StatusBadge state={b.status} />
              </td>
              <td className="mono muted" title={b.hash}>
                {b.hash !== undefined ? `${b.hash.slice(0, 19)}…` : '—'}
              </td>
              <td>
                <DateTime value={b.createdAt} />
              </td>
              <td className="num">{formatDuration(b.durationMs)}</td>
              <td>
                {b.diagnostics.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <details>
                    <summary>
                      {b.diagnostics.length} {b.diagnostics.length === 1 ? 'problem' : 'problems'}
                    </summary>
                    <CodeBlock light wrap>
                      {b.diagnostics
                        .map(
                          (d) =>
                            `${d.file !== undefined ? `${d.file}:${d.line ?? 1}:${d.column ?? 1} ` : ''}${d.severity} ${d.code}: ${d.message}`,
                        )
                        .join('\n')}
                    </CodeBlock>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
