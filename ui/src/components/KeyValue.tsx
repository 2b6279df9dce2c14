import type { ReactNode } from 'react';
import { Fragment } from 'react';
import styles from './KeyValue.module.css';

/** A definition list of facts; entries whose value is undefined are left out. */
export function KeyValue({ items }: { items: [string, ReactNode | undefined][] }) {
  return (
    <dl className={styles.list}>
      {items
        .filter(([, value]) => value !== undefined && value !== null && value !== '')
        .map(([key, value]) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
    </dl>
  );
}
