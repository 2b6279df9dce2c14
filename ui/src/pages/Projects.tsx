import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useApi } from '../auth/index.js';
import {
  Badge,
  Card,
  EmptyState,
  ErrorState,
  Id,
  Loading,
  PageHeader,
  RelativeTime,
  Table,
} from '../components/index.js';
import { formatCount } from '../lib/index.js';
import { DEPLOY_COMMAND } from './constants.js';

export function Projects() {
  const api = useApi();
  const projects = useQuery({
    queryKey: ['projects'],
    queryFn: () => api.listProjects(),
    refetchInterval: 15_000,
  });

  return (
    <>
      <PageHeader
        title="Projects"
        subtitle="Each project is a directory with a whisker.yaml, deployed with the CLI or the API."
      />
      <Card flush>
        {projects.isPending && <Loading label="Loading projects…" />}
        {projects.isError && (
          <ErrorState
            error={projects.error}
            title="Could not load projects"
            onRetry={() => void projects.refetch()}
          />
        )}
        {projects.data?.length === 0 && (
          <EmptyState title="No projects yet" command={DEPLOY_COMMAND} icon="▦">
            Deploy a project directory to create it: Whisker checks the manifest and the code, builds, deploys
            and activates it in one go.
          </EmptyState>
        )}
        {projects.data !== undefined && projects.data.length > 0 && (
          <Table
            label="Projects"
            head={
              <tr>
                <th>Project</th>
                <th>Active deployment</th>
                <th className="num">Sessions</th>
                <th className="num">Open</th>
                <th className="num">Completed</th>
                <th className="num">Failed</th>
                <th>Updated</th>
              </tr>
            }
          >
            {projects.data.map((p) => (
              <tr key={p.projectId}>
                <td>
                  <Link to={`/projects/${p.projectId}`}>
                    <strong>{p.name}</strong>
                  </Link>
                  {p.description !== undefined && <div className="muted">{p.description}</div>}
                </td>
                <td>
                  {p.activeDeploymentId !== undefined ? (
                    <Id id={p.activeDeploymentId} />
                  ) : (
                    <Badge>none</Badge>
                  )}
                </td>
                <td className="num">
                  <Link to={`/sessions?project=${p.projectId}`}>{formatCount(p.sessions.total)}</Link>
                </td>
                <td className="num">{formatCount(p.sessions.open)}</td>
                <td className="num">{formatCount(p.sessions.byStatus['completed'] ?? 0)}</td>
                <td className="num">{formatCount(p.sessions.byStatus['failed'] ?? 0)}</td>
                <td>
                  <RelativeTime value={p.updatedAt} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
