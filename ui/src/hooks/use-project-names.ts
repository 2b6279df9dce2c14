import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ProjectSummary } from '../api/index.js';
import { useApi } from '../auth/index.js';

/** The projects (shared, cached query) and their names by id, for tables that show project ids. */
export function useProjects(): {
  projects: ProjectSummary[] | undefined;
  nameOf: (projectId: string) => string | undefined;
} {
  const api = useApi();
  const query = useQuery({ queryKey: ['projects'], queryFn: () => api.listProjects() });
  const names = useMemo(() => new Map((query.data ?? []).map((p) => [p.projectId, p.name])), [query.data]);
  return { projects: query.data, nameOf: (projectId) => names.get(projectId) };
}
