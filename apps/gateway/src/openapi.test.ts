import { createOrderInputSchema } from '@oos/contracts';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.ts';

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('is OpenAPI 3 and lists every public path', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths ?? {}).sort()).toEqual([
      '/api/events',
      '/api/orders',
      '/api/orders/{id}',
      '/api/orders/{id}/cancel',
      '/api/orders/{id}/events',
      '/api/webhook-deliveries',
      '/api/webhook-deliveries/{id}/retry',
    ]);
  });

  it("documents the events feed, an order's history and the delivery retry with their errors", () => {
    const feed = document.paths?.['/api/events']?.get;
    expect(Object.keys(feed?.responses ?? {}).sort()).toEqual(['200', '400', '429', '500', '503']);
    expect(JSON.stringify(feed?.parameters)).toContain('"after"');
    expect(JSON.stringify(feed?.responses?.['200'])).toContain('#/components/schemas/OrderEventPage');
    expect(document.paths?.['/api/orders/{id}/events']?.get?.responses).toHaveProperty('404');
    const retry = document.paths?.['/api/webhook-deliveries/{id}/retry']?.post?.responses ?? {};
    expect(Object.keys(retry).sort()).toEqual(['202', '404', '409', '429', '500', '503']);
    expect(JSON.stringify(retry['409'])).toContain('DELIVERY_NOT_FAILED');
  });

  it('documents every status of create, with problem+json error bodies', () => {
    const create = document.paths?.['/api/orders']?.post;
    expect(Object.keys(create?.responses ?? {}).sort()).toEqual(
      ['200', '201', '400', '402', '409', '413', '415', '422', '429', '500', '503', '504'].sort(),
    );
    expect(JSON.stringify(create?.responses?.['422'])).toContain('application/problem+json');
    expect(JSON.stringify(create?.responses?.['503'])).toContain('Retry-After');
    expect(JSON.stringify(create?.parameters)).toContain('Idempotency-Key');
  });

  it('documents 404 for detail and 400 for list', () => {
    expect(document.paths?.['/api/orders/{id}']?.get?.responses).toHaveProperty('404');
    expect(document.paths?.['/api/orders']?.get?.responses).toHaveProperty('400');
    const cancel = document.paths?.['/api/orders/{id}/cancel']?.post?.responses ?? {};
    expect(Object.keys(cancel).sort()).toEqual([
      '200',
      '400',
      '404',
      '409',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
  });

  it('documents 503 SERVICE_UNAVAILABLE (database down) for every operation', () => {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const operation of [item.get, item.post].filter((op) => op !== undefined)) {
        expect(JSON.stringify(operation.responses?.['503']), `${path} ${operation.operationId}`).toContain(
          'SERVICE_UNAVAILABLE',
        );
      }
    }
  });

  it('offers a valid example order to "Try it out", and lists only schemas something refers to', () => {
    const body = document.paths?.['/api/orders']?.post?.requestBody;
    const example = body && 'content' in body ? body.content['application/json']?.example : undefined;
    expect(createOrderInputSchema.safeParse(example).success).toBe(true);
    const text = JSON.stringify(document.paths);
    for (const name of Object.keys(document.components?.schemas ?? {})) {
      expect(text, name).toContain(`#/components/schemas/${name}`);
    }
  });
});
