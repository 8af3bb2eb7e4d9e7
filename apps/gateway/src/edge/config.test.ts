import { ConfigError } from '@oos/service-kit';
import { describe, expect, it } from 'vitest';
import { readEdgeConfig } from './config.ts';
import { rateLimitScopeOf } from './rate-limit.ts';

describe('readEdgeConfig', () => {
  it('has the contract defaults', () => {
    expect(readEdgeConfig({})).toEqual({
      redisUrl: undefined,
      trustProxy: false,
      corsAllowedOrigins: [],
      allowedHosts: [],
      sslRedirect: false,
      hstsSeconds: 0,
      rateLimits: { create: 10, list: 120, detail: 300, cancel: 10, default: 100 },
    });
  });

  it('reads every variable', () => {
    const config = readEdgeConfig({
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      TRUST_PROXY: '2',
      CORS_ALLOWED_ORIGINS: 'https://app.example.com/, http://localhost:5173',
      ALLOWED_HOSTS: 'API.example.com:8000, .example.org, ::1',
      SECURE_SSL_REDIRECT: '1',
      SECURE_HSTS_SECONDS: '31536000',
      RATE_LIMIT_CREATE: '5',
      RATE_LIMIT_LIST: '6',
      RATE_LIMIT_DETAIL: '7',
      RATE_LIMIT_CANCEL: '8',
      RATE_LIMIT_DEFAULT: '9',
    });
    expect(config).toEqual({
      redisUrl: 'redis://127.0.0.1:6379/2',
      trustProxy: 2,
      corsAllowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      allowedHosts: ['api.example.com', '.example.org', '[::1]'],
      sslRedirect: true,
      hstsSeconds: 31536000,
      rateLimits: { create: 5, list: 6, detail: 7, cancel: 8, default: 9 },
    });
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['0', 0],
    ['1', 1],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.1 ,fd00::/8', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8']],
    ['10.0.0.0/255.0.0.0', ['10.0.0.0/255.0.0.0']],
  ])('accepts TRUST_PROXY=%s in the form Express takes', (value, expected) => {
    expect(readEdgeConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['yes please', '10.0.0.0/33', '999.1.1.1', 'loopback,nonsense', '-1'])(
    'refuses TRUST_PROXY=%s naming the variable',
    (value) => {
      expect(() => readEdgeConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => readEdgeConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it('refuses a * CORS origin in production, naming the variable', () => {
    const env = { NODE_ENV: 'production', CORS_ALLOWED_ORIGINS: 'https://a.example.com,*' };
    expect(() => readEdgeConfig(env)).toThrow(ConfigError);
    expect(() => readEdgeConfig(env)).toThrow(/CORS_ALLOWED_ORIGINS/);
    expect(readEdgeConfig({ ...env, NODE_ENV: 'development' }).corsAllowedOrigins).toEqual([
      'https://a.example.com',
      '*',
    ]);
  });

  it.each([
    ['CORS_ALLOWED_ORIGINS', 'https://a.example.com/path'],
    ['CORS_ALLOWED_ORIGINS', 'example.com'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['SECURE_SSL_REDIRECT', 'maybe'],
    ['SECURE_HSTS_SECONDS', '-1'],
    ['RATE_LIMIT_CREATE', '0'],
    ['RATE_LIMIT_DEFAULT', 'lots'],
  ])('refuses a bad %s naming it', (name, value) => {
    expect(() => readEdgeConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('rateLimitScopeOf', () => {
  it.each([
    ['POST', '/api/orders', 'create'],
    ['POST', '/api/orders/', 'create'],
    ['POST', '/API/Orders/', 'create'],
    ['GET', '/api/orders', 'list'],
    ['HEAD', '/api/orders/', 'list'],
    ['GET', '/api/orders/0b6f8f4e-0c1a-4a55-9c55-0d8f1f6c9e1a', 'detail'],
    ['GET', '/api/orders/abc/', 'detail'],
    ['POST', '/api/orders/abc/cancel', 'cancel'],
    ['POST', '/api/orders/abc/cancel/', 'cancel'],
    ['GET', '/api/orders/abc/cancel/', 'default'],
    ['DELETE', '/api/orders/abc', 'default'],
    ['GET', '/api/events/', 'list'],
    ['GET', '/api/webhook-deliveries', 'list'],
    ['GET', '/api/orders/abc/events/', 'detail'],
    ['POST', '/api/orders/abc/events', 'default'],
    ['POST', '/api/webhook-deliveries/abc/retry/', 'default'],
    ['GET', '/openapi.json', 'default'],
    ['GET', '/docs', 'default'],
    ['GET', '/health', undefined],
    ['GET', '/health/', undefined],
    ['GET', '/ready/', undefined],
    ['GET', '/metrics', undefined],
    ['GET', '/healthz', 'default'],
  ])('%s %s → %s', (method, path, scope) => {
    expect(rateLimitScopeOf(method, path)).toBe(scope);
  });
});
