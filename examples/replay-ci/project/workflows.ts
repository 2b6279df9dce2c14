import { log, nextSignal, sleep } from 'whisker/workflow';
import { chargeCard, reserveStock, sendConfirmation } from './activities';

export interface Order {
  orderId: string;
  sku: string;
  quantity: number;
  amountCents: number;
}

/** Reserve, wait for approval of large orders, charge, confirm. */
export async function placeOrder(order: Order): Promise<string> {
  log.info(`order ${order.orderId}: ${order.quantity} x ${order.sku}`);
  const reservation = await reserveStock(order.sku, order.quantity);
  if (order.amountCents > 100_000) {
    const approved = await nextSignal<boolean>('approve', { timeout: '1d' });
    if (approved !== true) return `rejected (${reservation})`;
  }
  await sleep('1s');
  const charge = await chargeCard(order.orderId, order.amountCents);
  await sendConfirmation(order.orderId);
  return charge;
}
