import { useQuery } from '@tanstack/react-query';
import { useApi } from '../auth/index.js';
import type { ErrorInfo } from '../lib/index.js';
import { decodeBase64Text, excerptLines } from '../lib/index.js';
import styles from './SourceExcerpt.module.css';

/**
 * The lines of the user's code around where an error was raised. Shown only when the project's
 * current sources are the ones the session's build was made from (same sources hash): otherwise
 * the line may have moved, and the file:line:col alone is more honest.
 */
export function SourceExcerpt({
  projectId,
  buildId,
  error,
}: {
  projectId: string;
  buildId: string;
  error: ErrorInfo;
}) {
  const api = useApi();
  const source = error.source;
  const project = useQuery({
    queryKey: ['project', projectId],
    queryFn: () => api.getProject(projectId),
    enabled: source !== undefined,
  });
  const buildHash = project.data?.builds.find((b) => b.buildId === buildId)?.sourcesHash;
  const same = buildHash !== undefined && buildHash === project.data?.sourcesHash;
  const files = useQuery({
    queryKey: ['sources', projectId, project.data?.sourcesHash],
    queryFn: () => api.projectSources(projectId),
    enabled: same && source !== undefined,
    staleTime: Infinity,
  });
  if (source === undefined || !same || files.data === undefined) return null;
  const content = files.data[source.file];
  if (content === undefined) return null;
  const lines = excerptLines(decodeBase64Text(content), source.line);
  if (lines.length === 0) return null;
  return (
    <figure className={styles.figure} data-testid="source-excerpt">
      <figcaption className={styles.caption}>{source.file}</figcaption>
      <pre className={styles.code} tabIndex={0}>
        {lines.map((l) => (
          <div key={l.number} className={l.target ? styles.target : undefined}>
            <span className={styles.number} aria-hidden="true">
              {l.number}
            </span>
            {l.text}
            {l.target && (
              <>
                {'\n'}
                <span className={styles.number} aria-hidden="true" />
                <span className={styles.caret}>{' '.repeat(Math.max(0, source.column - 1))}^</span>
              </>
            )}
          </div>
        ))}
      </pre>
    </figure>
  );
}
