import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Link } from 'react-router';
import type { LinkProps } from 'react-router';
import styles from './Button.module.css';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'dangerSolid' | 'ghost';

interface StyleProps {
  variant?: ButtonVariant;
  size?: 'normal' | 'small';
}

function className({ variant = 'secondary', size = 'normal' }: StyleProps, extra?: string): string {
  return [styles.button, styles[variant], size === 'small' ? styles.small : '', extra ?? '']
    .filter(Boolean)
    .join(' ');
}

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement>, StyleProps {
  /** Shows a spinner and disables the button while an action runs. */
  busy?: boolean;
  icon?: ReactNode;
}

export function Button({
  variant,
  size,
  busy = false,
  icon,
  children,
  disabled,
  className: extra,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      className={className({ variant, size }, extra)}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
    >
      {busy ? <span className={styles.spinner} aria-hidden="true" /> : icon}
      {children}
    </button>
  );
}

export function ButtonLink({ variant, size, className: extra, ...rest }: LinkProps & StyleProps) {
  return <Link {...rest} className={className({ variant, size }, extra)} />;
}
