import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useApi } from '../auth/index.js';
import { Button, ConfirmDialog } from '../components/index.js';
import { useAction } from '../hooks/index.js';
import { shortId } from '../lib/index.js';

/** Records a new event with the same data and dispatches it (to the active deployment). */
export function RedispatchButton({
  eventId,
  size = 'small',
  openResult = false,
}: {
  eventId: string;
  size?: 'small' | 'normal';
  openResult?: boolean;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const redispatch = useAction(
    () => api.redispatchEvent(eventId),
    {
      success: (r) =>
        r.status === 'dispatched' && r.sessionId !== undefined
          ? `Redispatched as ${shortId(r.eventId)}: session ${shortId(r.sessionId)} started.`
          : `Redispatched as ${shortId(r.eventId)}: ${r.status}${r.reason !== undefined ? ` (${r.reason})` : ''}.`,
      failure: `Event ${shortId(eventId)} could not be redispatched`,
    },
    (r) => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ['events'] });
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      if (openResult) void navigate(`/events/${r.eventId}`);
    },
  );
  return (
    <>
      <Button size={size} onClick={() => setConfirming(true)} aria-label={`Redispatch event ${eventId}`}>
        Redispatch
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Redispatch event ${shortId(eventId)}?`}
        message="A new event with the same data is recorded and dispatched to the project's active deployment, which may start a new session."
        confirmLabel="Redispatch"
        busy={redispatch.isPending}
        onConfirm={() => redispatch.mutate(undefined)}
        onClose={() => setConfirming(false)}
      />
    </>
  );
}
