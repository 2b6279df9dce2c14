import type { ReactNode } from 'react';
import styles from './Card.module.css';

export interface CardProps {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** No padding around the body (tables, lists that reach the edges). */
  flush?: boolean;
  children: ReactNode;
  id?: string;
  className?: string;
}

export function Card({ title, description, actions, flush = false, children, id, className }: CardProps) {
  const headingId = id !== undefined ? `${id}-title` : undefined;
  return (
    <section className={[styles.card, className ?? ''].join(' ')} id={id} aria-labelledby={headingId}>
      {(title !== undefined || actions !== undefined) && (
        <header className={styles.header}>
          <div>
            {title !== undefined && (
              <h2 className={styles.title} id={headingId}>
                {title}
              </h2>
            )}
            {description !== undefined && <p className={styles.description}>{description}</p>}
          </div>
          {actions !== undefined && <div className={styles.actions}>{actions}</div>}
        </header>
      )}
      <div className={flush ? styles.flush : styles.body}>{children}</div>
    </section>
  );
}
