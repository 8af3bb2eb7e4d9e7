import { ERROR_STATUS, type ErrorCode } from '@oos/contracts';
import { PROBLEM_CONTENT_TYPE } from '@oos/service-kit';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { gatewayRouter } from './router.ts';

type PathItem = NonNullable<NonNullable<OpenAPIObject['paths']>[string]>;
type Operation = NonNullable<PathItem['get']>;
type Responses = NonNullable<Operation['responses']>;
type Header = { description: string; schema: { type: 'string' } };

const header = (description: string): Header => ({ description, schema: { type: 'string' } });
const RETRY_AFTER = header('Seconds to wait before retrying');
const REPLAY = header('`true` when this is the stored answer of an earlier request with the same key');
const REQUEST_ID = header('The caller’s X-Request-ID if it was sane, otherwise a new UUID');

/** `{"detail": CODE, ...}` as application/problem+json (RFC 9457), the body of every error. */
function problem(
  description: string,
  codes: readonly (ErrorCode | 'validation')[],
  /** `orderId: 'sometimes'`: present when the failure concerns a recorded order. */
  extra: { orderId?: boolean | 'sometimes'; retryAfter?: boolean } = {},
) {
  const detail =
    codes[0] === 'validation'
      ? { type: 'string', description: 'A readable message naming the offending field(s)' }
      : { type: 'string', enum: codes };
  return {
    description,
    headers: { 'X-Request-ID': REQUEST_ID, ...(extra.retryAfter ? { 'Retry-After': RETRY_AFTER } : {}) },
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: {
          type: 'object',
          required: extra.orderId === true ? ['detail', 'order_id'] : ['detail'],
          properties: {
            detail,
            ...(extra.orderId ? { order_id: { type: 'string', format: 'uuid' } } : {}),
          },
        },
      },
    },
  };
}

const status = (code: ErrorCode) => String(ERROR_STATUS[code]);

const COMMON_ERRORS = {
  [status('RATE_LIMITED')]: problem('Rate limited (RateLimit-* headers tell the budget)', ['RATE_LIMITED'], {
    retryAfter: true,
  }),
  [status('INTERNAL_ERROR')]: problem('Unexpected failure', ['INTERNAL_ERROR']),
  [status('SERVICE_UNAVAILABLE')]: problem('The gateway’s database is unreachable; nothing was changed', [
    'SERVICE_UNAVAILABLE',
  ]),
};

/** The answers of each public operation (CONTRACT §3): trpc-to-openapi only knows a 200 and tRPC-shaped errors. */
function responsesFor(operationId: string, success: unknown): Responses {
  const json = (description: string, headers: Record<string, Header> = {}) => ({
    description,
    headers: { 'X-Request-ID': REQUEST_ID, ...headers },
    content: { 'application/json': { schema: success } },
  });
  const validation = problem('Validation failed', ['validation']);
  switch (operationId) {
    case 'createOrder':
      return {
        '201': json('The order was confirmed (with its transaction_id)'),
        '200': json('Replay of a confirmed order created earlier with the same Idempotency-Key and payload', {
          'Idempotent-Replay': REPLAY,
        }),
        '400': problem('Validation failed (body or Idempotency-Key), or the body is not a JSON object', [
          'validation',
        ]),
        '402': problem('The payment was declined; the reservation was released', ['PAYMENT_FAILED'], {
          orderId: true,
        }),
        '409': problem(
          'IDEMPOTENCY_CONFLICT: the key was used with another payload. IDEMPOTENCY_IN_PROGRESS: the first request ' +
            'with this key still runs (Retry-After: 1). ORDER_CANCELLED: the keyed order was cancelled meanwhile.',
          ['IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_IN_PROGRESS', 'ORDER_CANCELLED'],
          { retryAfter: true },
        ),
        '413': problem('Body over API_MAX_BYTES', ['PAYLOAD_TOO_LARGE']),
        '415': problem('The body is not application/json', ['UNSUPPORTED_MEDIA_TYPE']),
        '422': problem('Not enough stock for some line; nothing stays reserved', ['INSUFFICIENT_STOCK'], {
          orderId: true,
        }),
        ...COMMON_ERRORS,
        '503': problem(
          'UPSTREAM_UNAVAILABLE: an upstream is down, timed out or its breaker is open (or the run outlived its lease and ' +
            'the recovery worker took the order over); the order stays PENDING and ' +
            'is finished later. Retrying with the same Idempotency-Key resumes the same order. ' +
            'SERVICE_UNAVAILABLE: the gateway’s database is unreachable.',
          ['UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE'],
          { orderId: 'sometimes', retryAfter: true },
        ),
        '504': problem('The order timed out and was compensated', ['ORDER_TIMED_OUT'], { orderId: true }),
      };
    case 'listOrders':
      return { '200': json('One page of orders, newest first'), '400': validation, ...COMMON_ERRORS };
    case 'getOrder':
      return {
        '200': json('The order'),
        '404': problem('No order has this id (or it is not a UUID)', ['NOT_FOUND']),
        ...COMMON_ERRORS,
      };
    case 'cancelOrder':
      return {
        '200': json(
          'The order, CANCELLED (also when it already was; a keyed replay adds Idempotent-Replay)',
          {
            'Idempotent-Replay': REPLAY,
          },
        ),
        '400': problem('Invalid Idempotency-Key, or a body that is not empty or `{}`', ['validation']),
        '404': problem('No order has this id (or it is not a UUID)', ['NOT_FOUND']),
        '409': problem(
          'NOT_CANCELLABLE: the order FAILED. ORDER_BUSY: the saga or the recovery worker holds the order ' +
            '(Retry-After: 1). IDEMPOTENCY_CONFLICT: the key was used to cancel another order. ' +
            'IDEMPOTENCY_IN_PROGRESS: the first cancel with this key has no final answer yet and the order is held.',
          ['NOT_CANCELLABLE', 'ORDER_BUSY', 'IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_IN_PROGRESS'],
          { retryAfter: true },
        ),
        '413': problem('Body over API_MAX_BYTES', ['PAYLOAD_TOO_LARGE']),
        '415': problem('A body that is not application/json', ['UNSUPPORTED_MEDIA_TYPE']),
        ...COMMON_ERRORS,
        '503': problem(
          'UPSTREAM_UNAVAILABLE: the cancellation is recorded and the recovery worker completes it ' +
            '(the order becomes CANCELLED); a repeated cancel returns the current state. ' +
            'SERVICE_UNAVAILABLE: the gateway’s database is unreachable.',
          ['UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE'],
          { orderId: 'sometimes', retryAfter: true },
        ),
      };
    case 'listEvents':
      return {
        '200': json('Events after the cursor, oldest first, and the cursor to continue from'),
        '400': problem('Validation failed (limit out of 1-100, or `after` is not a cursor of this feed)', [
          'validation',
        ]),
        ...COMMON_ERRORS,
      };
    case 'getOrderEvents':
      return {
        '200': json("The order's events, in sequence"),
        '404': problem('No order has this id (or it is not a UUID)', ['NOT_FOUND']),
        ...COMMON_ERRORS,
      };
    case 'listWebhookDeliveries':
      return {
        '200': json('Deliveries, most recently changed first'),
        '400': problem('Validation failed (status, order_id or limit)', ['validation']),
        ...COMMON_ERRORS,
      };
    case 'retryWebhookDelivery':
      return {
        '202': json('The delivery is PENDING again, due now, with a new retry horizon'),
        '404': problem('No delivery has this id (or it is not a UUID)', ['NOT_FOUND']),
        '409': problem(
          'DELIVERY_NOT_FAILED: the delivery is pending (it is retried anyway) or was delivered. ' +
            'WEBHOOK_ENDPOINT_UNKNOWN: its endpoint is no longer in WEBHOOK_URLS.',
          ['DELIVERY_NOT_FAILED', 'WEBHOOK_ENDPOINT_UNKNOWN'],
        ),
        ...COMMON_ERRORS,
      };
    default:
      throw new Error(`no documented responses for operation ${operationId}`);
  }
}

function successSchemaOf(operation: Operation): unknown {
  const ok = operation.responses?.['200'];
  if (ok && 'content' in ok) return ok.content?.['application/json']?.schema ?? {};
  return {};
}

/**
 * What /docs offers to send: an order the stock `pnpm start` seeds can satisfy. Set here because it cannot travel on
 * the input schema: trpc-to-openapi passes on only `examples`, which zod-openapi drops from a schema with a
 * transform (the currency's upper-casing).
 */
const CREATE_EXAMPLE = { items: [{ sku: 'SKU1', quantity: 1 }], amount_cents: 1500, currency: 'EUR' };

/** The OpenAPI 3.1 document of the public API, generated from the router and completed with every answer. */
export function buildOpenApiDocument(baseUrl = '/'): OpenAPIObject {
  const document = generateOpenApiDocument(gatewayRouter, {
    title: 'Order Orchestration System',
    description:
      'Public REST API of the gateway. Errors are application/problem+json `{"detail": CODE, ...}`. ' +
      'Paths work with and without a trailing slash.',
    version: '1.0.0',
    baseUrl,
    tags: ['orders', 'events'],
    securitySchemes: {},
  });
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation?.operationId) continue;
      operation.responses = responsesFor(operation.operationId, successSchemaOf(operation));
      const body = operation.requestBody;
      if (operation.operationId === 'createOrder' && body && 'content' in body) {
        const json = body.content['application/json'];
        if (json) json.example = CREATE_EXAMPLE;
      }
    }
  }
  // trpc-to-openapi's tRPC-shaped error schemas: every answer above replaced them, nothing refers to them.
  for (const name of Object.keys(document.components?.schemas ?? {})) {
    if (name.startsWith('error.')) delete document.components?.schemas?.[name];
  }
  return document;
}
