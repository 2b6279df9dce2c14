import { getVariable, log, proxyActivities } from 'whisker/workflow';
import type * as activities from './activities';

const { recordHeartbeat } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});

interface ScheduleEvent {
  data: { schedule: string; timezone: string; tickAt: string };
}

/** Runs on every tick of the schedule (also by hand: `whisker session start scheduled --entry jobs.ts:tick`). */
export async function tick(event: ScheduleEvent): Promise<string> {
  const target = getVariable('SERVICE_URL') ?? 'unknown';
  log.info(`tick at ${event.data.tickAt} for ${target}`);
  return recordHeartbeat(target, event.data.tickAt);
}
