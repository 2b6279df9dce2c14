import type { FormEvent, ReactNode } from 'react';
import { useEffect, useId, useLayoutEffect, useRef } from 'react';
import type { ButtonVariant } from './Button.js';
import { Button } from './Button.js';
import styles from './Dialog.module.css';

export interface DialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  onClose: () => void;
  /** The form's submit: the dialog is a form, so Enter submits. */
  onSubmit?: () => void;
  submitLabel?: string;
  submitVariant?: ButtonVariant;
  busy?: boolean;
}

/** A modal dialog on the native `<dialog>` (focus trapped, Escape closes, focus returns after). */
export function Dialog({
  open,
  title,
  children,
  onClose,
  onSubmit,
  submitLabel = 'OK',
  submitVariant = 'primary',
  busy = false,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  // Unmounted while open (its owner went away): close it first, so the browser gives focus back
  // to where it was before the dialog opened.
  useLayoutEffect(() => {
    const dialog = ref.current;
    return () => {
      if (dialog?.open === true) dialog.close();
    };
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit?.();
  };

  return (
    <dialog ref={ref} className={styles.dialog} aria-labelledby={titleId} onClose={onClose}>
      {open && (
        <form onSubmit={submit}>
          <header className={styles.header}>
            <h2 className={styles.title} id={titleId}>
              {title}
            </h2>
          </header>
          <div className={styles.body}>{children}</div>
          <footer className={styles.footer}>
            <Button onClick={onClose}>Cancel</Button>
            {onSubmit !== undefined && (
              <Button type="submit" variant={submitVariant} busy={busy}>
                {submitLabel}
              </Button>
            )}
          </footer>
        </form>
      )}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  danger = false,
  busy,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      onSubmit={onConfirm}
      submitLabel={confirmLabel}
      submitVariant={danger ? 'dangerSolid' : 'primary'}
      busy={busy ?? false}
    >
      <p>{message}</p>
    </Dialog>
  );
}
