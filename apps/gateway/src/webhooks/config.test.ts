import { ConfigError } from '@oos/service-kit';
import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.ts';
import { readWebhookConfig } from './config.ts';

const SECRET = 'a-secret-of-16-chars-or-more';

describe('webhook configuration', () => {
  it('has no endpoints by default, and delivery defaults a payments-grade receiver expects', () => {
    expect(readWebhookConfig({})).toMatchObject({
      endpoints: [],
      horizonMs: 24 * 60 * 60 * 1000,
      retentionDays: 30,
    });
  });

  it('reads each endpoint with its event types and timeout, all types and the default timeout otherwise', () => {
    const config = readWebhookConfig({
      WEBHOOK_URLS:
        ' https://ship.example/hooks|order.confirmed|order.cancelled , http://10.0.0.5:8080/in|timeout=2500',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_TIMEOUT_MS: '4000',
    });
    expect(config.endpoints).toEqual([
      { url: 'https://ship.example/hooks', types: ['order.confirmed', 'order.cancelled'], timeoutMs: 4000 },
      {
        url: 'http://10.0.0.5:8080/in',
        types: ['order.created', 'order.confirmed', 'order.failed', 'order.cancelled'],
        timeoutMs: 2500,
      },
    ]);
  });

  it.each([
    [
      'ftp://x.example/hooks',
      'WEBHOOK_URLS: "ftp://x.example/hooks": must start with an http:// or https:// URL',
    ],
    ['https://x.example/|order.shipped', '"order.shipped" is neither an event type'],
    ['https://x.example/|timeout=5', 'timeout must be 100-120000 ms'],
    ['https://x.example/,https://x.example/', '"https://x.example/" is listed twice'],
  ])('refuses WEBHOOK_URLS=%s, naming the entry', (urls, message) => {
    expect(() => readWebhookConfig({ WEBHOOK_URLS: urls, WEBHOOK_SECRET: SECRET })).toThrow(message);
  });

  it('requires a secret of at least 16 characters with endpoints, and sane backoff bounds', () => {
    expect(() => readWebhookConfig({ WEBHOOK_URLS: 'https://x.example/' })).toThrow(
      /WEBHOOK_SECRET: must be set/,
    );
    expect(() => readWebhookConfig({ WEBHOOK_SECRET: 'short' })).toThrow(
      /WEBHOOK_SECRET: must be at least 16/,
    );
    expect(() =>
      readWebhookConfig({ WEBHOOK_BACKOFF_BASE_MS: '5000', WEBHOOK_BACKOFF_MAX_MS: '1000' }),
    ).toThrow(ConfigError);
    expect(() => readWebhookConfig({ EVENT_RETENTION_DAYS: '0' })).toThrow(
      /EVENT_RETENTION_DAYS: must be at least 1/,
    );
  });
});

describe('webhook backoff', () => {
  it('doubles from the base up to the cap, jittered within the upper half', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 60_000, low))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 60_000, high))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(backoffMs(50, 1000, 60_000, high)).toBe(60_000);
    expect(backoffMs(50, 1000, 60_000, low)).toBe(30_000);
  });
});
