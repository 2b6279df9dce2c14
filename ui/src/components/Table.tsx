import type { ReactNode } from 'react';
import styles from './Table.module.css';

/** A data table: sticky header, horizontal scroll on narrow screens. Rows are plain `<tr>`s. */
export function Table({ label, head, children }: { label: string; head: ReactNode; children: ReactNode }) {
  return (
    <div className={styles.wrap}>
      <table className={styles.table} aria-label={label}>
        <thead>{head}</thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export const freshRowClass = styles.fresh;
