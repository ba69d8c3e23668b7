/**
 * The example agent's tool as a Temporal activity (`workflows/examples/support-agent.ts`): the
 * status of an order. A real application reads its own database here; the example keeps a table.
 */

export interface OrderStatus {
  orderId: string;
  status: 'processing' | 'shipped' | 'delivered';
  /** ISO-8601 date the order is (or was) due. */
  due: string;
}

const ORDERS: ReadonlyMap<string, OrderStatus> = new Map(
  [
    { orderId: 'A-1001', status: 'shipped', due: '2026-12-04' },
    { orderId: 'A-1002', status: 'processing', due: '2026-12-09' },
    { orderId: 'A-1003', status: 'delivered', due: '2026-11-28' },
  ].map((order) => [order.orderId, order as OrderStatus]),
);

/** The order's status, or `not_found`. */
export async function lookupOrder(
  orderId: string,
): Promise<OrderStatus | { orderId: string; error: 'not_found' }> {
  return ORDERS.get(orderId) ?? { orderId, error: 'not_found' };
}

/** The example's activities, to register on the worker beside Breakwater's. */
export const orderActivities = { lookupOrder };

export type OrderActivities = typeof orderActivities;
