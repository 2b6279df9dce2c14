import { Link } from 'react-router';
import { shortId } from '../lib/index.js';

/** An id, shortened for tables, linking to its page; the full id is in the title. */
export function IdLink({ id, to, full = false }: { id: string; to: string; full?: boolean }) {
  return (
    <Link to={to} className="mono nowrap" title={id}>
      {full ? id : shortId(id)}
    </Link>
  );
}

export function Id({ id, full = false }: { id: string; full?: boolean }) {
  return (
    <span className="mono nowrap" title={id}>
      {full ? id : shortId(id)}
    </span>
  );
}
