import { getVariable, log, nextSignal, proxyActivities, workflowInfo } from 'whisker/workflow';
import type * as activities from './activities';

const { notify } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5 },
});

interface RequestEvent {
  data: { body: { json?: { item?: string; requester?: string } } };
}

export interface Decision {
  approved: boolean;
  by?: string;
  comment?: string;
}

/**
 * Started by a POST to the webhook. Waits (durably: the server may restart meanwhile) for an
 * `approve` signal, or rejects the request when APPROVAL_TIMEOUT passes first; then notifies.
 */
export async function requestApproval(event: RequestEvent): Promise<string> {
  const item = event.data.body.json?.item ?? 'something';
  const requester = event.data.body.json?.requester ?? 'someone';
  const timeout = getVariable('APPROVAL_TIMEOUT') ?? '1h';
  log.info(`${requester} asks for ${item}; waiting up to ${timeout} (session ${workflowInfo().sessionId})`);

  const decision = await nextSignal<Decision>('approve', { timeout });
  const outcome =
    decision === undefined
      ? `request for ${item} expired after ${timeout}`
      : decision.approved
        ? `request for ${item} approved by ${decision.by ?? 'an approver'}`
        : `request for ${item} rejected by ${decision.by ?? 'an approver'}${decision.comment === undefined ? '' : `: ${decision.comment}`}`;
  await notify(requester, outcome);
  return outcome;
}
