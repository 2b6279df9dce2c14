import { formatJson } from '../lib/index.js';
import { CopyButton } from './CopyButton.js';
import styles from './CodeBlock.module.css';

export interface CodeBlockProps {
  children: string;
  copy?: boolean;
  /** `light` for data on white cards; the dark style is for commands. */
  light?: boolean;
  wrap?: boolean;
  language?: string;
  label?: string;
}

export function CodeBlock({
  children,
  copy = false,
  light = false,
  wrap = false,
  language,
  label,
}: CodeBlockProps) {
  return (
    <div className={styles.container}>
      <pre
        className={[
          styles.block,
          light ? styles.light : '',
          wrap ? styles.wrap : '',
          copy ? styles.withCopy : '',
        ].join(' ')}
        data-language={language}
        aria-label={label}
        tabIndex={0}
      >
        <code>{children}</code>
      </pre>
      {copy && (
        <span className={styles.copy}>
          <CopyButton text={children} label={label ?? 'Copy'} />
        </span>
      )}
    </div>
  );
}

/** A user value (input, result, payload) as pretty JSON. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  return (
    <CodeBlock light wrap label={label}>
      {formatJson(value)}
    </CodeBlock>
  );
}
