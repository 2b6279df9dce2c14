import { log, proxyActivities, sleep } from 'whisker/workflow';
import type * as projectActivities from './activities';

/** Activities the host app registers with `createEngine({ activities })`: trusted host code. */
interface HostActivities {
  chargeCard(orderId: string, cents: number): Promise<string>;
}

const project = proxyActivities<typeof projectActivities>({ startToCloseTimeout: '10s' });
const host = proxyActivities<HostActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, initialInterval: '100ms' },
});

/** A durable order: priced, a pause (a durable timer), charged once, then a receipt. */
export async function order(input: { orderId: string; items: { sku: string; quantity: number }[] }) {
  const cents = await project.priceOf(input.items);
  log.info(`order ${input.orderId}: ${cents} cents`);
  await sleep('200ms');
  const receipt = await host.chargeCard(input.orderId, cents);
  return { orderId: input.orderId, cents, receipt };
}
