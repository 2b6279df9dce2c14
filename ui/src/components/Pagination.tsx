import { formatCount } from '../lib/index.js';
import { Button } from './Button.js';
import { Select } from './Form.js';
import styles from './Pagination.module.css';

export interface PaginationProps {
  /** 0-based index of the first row shown. */
  offset: number;
  shown: number;
  /** Matches across all pages, when the API tells. */
  total?: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  pageSize?: number;
  pageSizes?: number[];
  onPageSize?: (size: number) => void;
}

/** Cursor pagination (server-side): previous / next, and where we are. */
export function Pagination(props: PaginationProps) {
  const { offset, shown, total, hasPrevious, hasNext, onPrevious, onNext } = props;
  const range = shown === 0 ? '0' : `${formatCount(offset + 1)}–${formatCount(offset + shown)}`;
  return (
    <nav className={styles.bar} aria-label="Pagination">
      <span aria-live="polite">
        {range}
        {total !== undefined ? ` of ${formatCount(total)}` : ''}
      </span>
      <div className={styles.buttons}>
        {props.onPageSize !== undefined && props.pageSize !== undefined && (
          <label>
            <span className="visually-hidden">Rows per page</span>
            <Select value={props.pageSize} onChange={(e) => props.onPageSize?.(Number(e.target.value))}>
              {(props.pageSizes ?? [25, 50, 100]).map((size) => (
                <option key={size} value={size}>
                  {size} per page
                </option>
              ))}
            </Select>
          </label>
        )}
        <Button size="small" onClick={onPrevious} disabled={!hasPrevious}>
          ← Previous
        </Button>
        <Button size="small" onClick={onNext} disabled={!hasNext}>
          Next →
        </Button>
      </div>
    </nav>
  );
}
