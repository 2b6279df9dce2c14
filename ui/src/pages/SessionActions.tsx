import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { SessionInfo } from '../api/index.js';
import { useApi } from '../auth/index.js';
import { Button, ConfirmDialog, Dialog, Field, TextInput } from '../components/index.js';
import { useAction } from '../hooks/index.js';
import { isFinalSessionState, shortId } from '../lib/index.js';

type Pending = 'stop' | 'restart' | 'delete' | undefined;

/**
 * Stop (open sessions), restart and delete (ended sessions), each confirmed in a dialog. Used in
 * the sessions table (small buttons) and on the session page.
 */
export function SessionActions({
  session,
  size = 'small',
  onChanged,
  afterDelete,
}: {
  session: Pick<SessionInfo, 'sessionId' | 'status'>;
  size?: 'small' | 'normal';
  onChanged: () => void;
  /** Where to go after deleting (the session page leaves itself). */
  afterDelete?: string;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const [pending, setPending] = useState<Pending>(undefined);
  const [reason, setReason] = useState('');
  const [force, setForce] = useState(false);
  const id = shortId(session.sessionId);
  const close = () => setPending(undefined);

  const stop = useAction(
    () =>
      api.stopSession(session.sessionId, {
        ...(reason.trim() !== '' ? { reason: reason.trim() } : {}),
        force,
      }),
    {
      success: (s) => `Session ${id} ${s.status === 'stopped' ? 'stopped' : 'is stopping'}.`,
      failure: `Session ${id} could not be stopped`,
    },
    () => {
      close();
      onChanged();
    },
  );
  const restart = useAction(
    () => api.restartSession(session.sessionId),
    {
      success: (s) => `Restarted as ${shortId(s.sessionId)}.`,
      failure: `Session ${id} could not be restarted`,
    },
    (s) => {
      close();
      onChanged();
      void navigate(`/sessions/${s.sessionId}`);
    },
  );
  const remove = useAction(
    () => api.deleteSession(session.sessionId),
    { success: () => `Session ${id} deleted.`, failure: `Session ${id} could not be deleted` },
    () => {
      close();
      onChanged();
      if (afterDelete !== undefined) void navigate(afterDelete);
    },
  );

  const ended = isFinalSessionState(session.status);
  return (
    <>
      {!ended && (
        <Button
          size={size}
          variant="danger"
          onClick={() => setPending('stop')}
          aria-label={`Stop session ${session.sessionId}`}
        >
          Stop
        </Button>
      )}
      {ended && (
        <Button
          size={size}
          onClick={() => setPending('restart')}
          aria-label={`Restart session ${session.sessionId}`}
        >
          Restart
        </Button>
      )}
      {ended && (
        <Button
          size={size}
          variant="danger"
          onClick={() => setPending('delete')}
          aria-label={`Delete session ${session.sessionId}`}
        >
          Delete
        </Button>
      )}

      {/* Dialogs exist only while asked for: a table of 100 rows renders no hidden dialogs. */}
      {pending === 'stop' && (
        <Dialog
          open
          title={`Stop session ${id}?`}
          onClose={close}
          onSubmit={() => stop.mutate(undefined)}
          submitLabel="Stop session"
          submitVariant="dangerSolid"
          busy={stop.isPending}
        >
          <p>
            The code gets a cancellation and may clean up; with “force” it stops at once and no more code
            runs.
          </p>
          <Field label="Reason (optional)">
            {(props) => (
              <TextInput
                {...props}
                name="reason"
                value={reason}
                maxLength={1000}
                onChange={(e) => setReason(e.target.value)}
                placeholder="e.g. no longer needed"
              />
            )}
          </Field>
          <label style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Force: stop
            at once
          </label>
        </Dialog>
      )}
      {pending === 'restart' && (
        <ConfirmDialog
          open
          title={`Restart session ${id}?`}
          message="A new session starts with the same entry point and input, on the project's active deployment."
          confirmLabel="Restart"
          busy={restart.isPending}
          onConfirm={() => restart.mutate(undefined)}
          onClose={close}
        />
      )}
      {pending === 'delete' && (
        <ConfirmDialog
          open
          title={`Delete session ${id}?`}
          message="The session and its journal are removed for good. Download the journal first if you may want to replay it."
          confirmLabel="Delete"
          danger
          busy={remove.isPending}
          onConfirm={() => remove.mutate(undefined)}
          onClose={close}
        />
      )}
    </>
  );
}
