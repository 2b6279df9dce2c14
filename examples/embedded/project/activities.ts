// Project activities: run in Whisker's activity sandbox (not in the host app), retried by policy.
export function priceOf(items: { sku: string; quantity: number }[]): number {
  const prices: Record<string, number> = { tea: 450, cake: 300 };
  return items.reduce((total, item) => total + (prices[item.sku] ?? 0) * item.quantity, 0);
}
