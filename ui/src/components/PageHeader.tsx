import type { ReactNode } from 'react';
import { useEffect } from 'react';
import { Link } from 'react-router';
import styles from './PageHeader.module.css';

export interface Crumb {
  label: string;
  to: string;
}

export interface PageHeaderProps {
  title: ReactNode;
  /** The document title (defaults to `title` when it is a string). */
  documentTitle?: string;
  badge?: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  crumbs?: Crumb[];
}

export function PageHeader({ title, documentTitle, badge, subtitle, actions, crumbs }: PageHeaderProps) {
  const docTitle = documentTitle ?? (typeof title === 'string' ? title : undefined);
  useEffect(() => {
    if (docTitle !== undefined) document.title = `${docTitle} · Whisker`;
  }, [docTitle]);
  return (
    <header className={styles.header}>
      <div>
        {crumbs !== undefined && crumbs.length > 0 && (
          <nav aria-label="Breadcrumb">
            <ol className={styles.crumbs}>
              {crumbs.map((crumb) => (
                <li key={crumb.to}>
                  <Link to={crumb.to}>{crumb.label}</Link>
                </li>
              ))}
            </ol>
          </nav>
        )}
        <div className={styles.titleRow}>
          <h1 className={styles.title}>{title}</h1>
          {badge}
        </div>
        {subtitle !== undefined && <p className={styles.subtitle}>{subtitle}</p>}
      </div>
      {actions !== undefined && <div className={styles.actions}>{actions}</div>}
    </header>
  );
}
