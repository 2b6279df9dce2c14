import type { ReactNode } from 'react';
import { ApiRequestError, describeError } from '../api/index.js';
import { Button } from './Button.js';
import { CodeBlock } from './CodeBlock.js';
import styles from './States.module.css';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className={styles.loading} role="status" aria-live="polite">
      <span className={styles.spinner} aria-hidden="true" />
      {label}
    </div>
  );
}

/** An error with what happened, the API's code, and a retry. */
export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const code = error instanceof ApiRequestError ? error.code : undefined;
  return (
    <div className={styles.error} role="alert">
      <div className={styles.errorBody}>
        <h3>{title}</h3>
        <p>{describeError(error)}</p>
        {code !== undefined && <code className={styles.errorCode}>{code}</code>}
      </div>
      {onRetry !== undefined && (
        <Button size="small" onClick={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

export interface EmptyStateProps {
  title: string;
  children?: ReactNode;
  /** A shell command that gets the user going (shown with a copy button). */
  command?: string;
  icon?: ReactNode;
  actions?: ReactNode;
}

export function EmptyState({ title, children, command, icon = '✦', actions }: EmptyStateProps) {
  return (
    <div className={styles.empty} data-testid="empty-state">
      <div className={styles.emptyIcon} aria-hidden="true">
        {icon}
      </div>
      <h3>{title}</h3>
      {children !== undefined && <p>{children}</p>}
      {command !== undefined && (
        <div className={styles.emptyCommand}>
          <CodeBlock copy language="shell">
            {command}
          </CodeBlock>
        </div>
      )}
      {actions}
    </div>
  );
}
