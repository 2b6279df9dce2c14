// Activities: the side effects (they never run during a replay; results come from the journal).
// A real project would call an inventory service, a payment provider and a mailer here.
export function reserveStock(sku: string, quantity: number): Promise<string> {
  return Promise.resolve(`reservation-${sku}-${quantity}`);
}

export function chargeCard(orderId: string, amountCents: number): Promise<string> {
  return Promise.resolve(`charge-${orderId}-${amountCents}`);
}

export function sendConfirmation(orderId: string): Promise<string> {
  return Promise.resolve(`confirmation sent for ${orderId}`);
}
