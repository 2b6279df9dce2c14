import type { ErrorInfo } from '../lib/index.js';
import { formatJson, sourceLineOf } from '../lib/index.js';
import { CodeBlock } from './CodeBlock.js';
import styles from './ErrorDetails.module.css';

/** An error of user code: name, code, message, the user's source line, and the stack on demand. */
export function ErrorDetails({ error, compact = false }: { error: ErrorInfo; compact?: boolean }) {
  const source = sourceLineOf(error);
  return (
    <div className={styles.box} data-testid="error-details">
      <div className={styles.head}>
        <span className={styles.name}>{error.name}</span>
        {error.code !== undefined && <span className={styles.code}>{error.code}</span>}
        {error.retryable === false && <span className={styles.code}>not retryable</span>}
      </div>
      <p className={styles.message}>{error.message}</p>
      {source !== undefined && (
        <span className={styles.source} title="Where your code raised it">
          <span aria-hidden="true">↳</span>
          {source}
        </span>
      )}
      {!compact &&
        (error.stack !== undefined || error.details !== undefined || error.cause !== undefined) && (
          <details className={styles.more}>
            <summary>Stack and details</summary>
            {error.stack !== undefined && (
              <CodeBlock light label="Stack">
                {error.stack}
              </CodeBlock>
            )}
            {error.details !== undefined && (
              <CodeBlock light wrap label="Details">
                {formatJson(error.details)}
              </CodeBlock>
            )}
            {error.cause !== undefined && <ErrorDetails error={error.cause} compact />}
          </details>
        )}
    </div>
  );
}
