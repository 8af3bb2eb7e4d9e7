import type { components, operations } from './schema.gen.ts';

export type Order = components['schemas']['Order'];
export type OrderPage = components['schemas']['OrderPage'];
export type OrderStatus = Order['status'];
export type NewOrder = operations['createOrder']['requestBody']['content']['application/json'];
export type ListOrdersQuery = NonNullable<operations['listOrders']['parameters']['query']>;
export type OperationId = keyof operations;

type ProblemBodies<Responses> = {
  [Status in keyof Responses]: Responses[Status] extends {
    content: { 'application/problem+json': infer Body };
  }
    ? Body
    : never;
}[keyof Responses];

/** The `application/problem+json` bodies the document lists for an operation. */
export type ProblemOf<Op extends OperationId> = ProblemBodies<operations[Op]['responses']>;

/**
 * The `detail` codes the document lists for an operation (a readable message for a 400). The `string & {}` keeps
 * the listed codes as suggestions while admitting what a proxy in front of the gateway may answer.
 */
export type ErrorDetail<Op extends OperationId> =
  | (ProblemOf<Op> extends { detail: infer Detail } ? Detail : never)
  | (string & {});

export type OrderEvent = components['schemas']['OrderEvent'];
export type OrderEventType = OrderEvent['type'];
export type OrderEventPage = components['schemas']['OrderEventPage'];
export type OrderEventList = components['schemas']['OrderEventList'];
export type ListEventsQuery = NonNullable<operations['listEvents']['parameters']['query']>;
export type WebhookDeliveryList = components['schemas']['WebhookDeliveryList'];
export type ListWebhookDeliveriesQuery = NonNullable<
  operations['listWebhookDeliveries']['parameters']['query']
>;
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
