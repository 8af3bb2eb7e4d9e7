import { describe, expect, it } from 'vitest';
import { defaultResilienceConfig, readResilienceConfig, resolveResilienceConfig } from './config.ts';

describe('readResilienceConfig', () => {
  it('applies the contract defaults', () => {
    expect(readResilienceConfig({})).toEqual({
      timeoutMs: 3000,
      retryMax: 3,
      retryBackoffMs: 150,
      retryMaxBackoffMs: 500,
      retryDeadlineMs: 10000,
      breakerVolumeThreshold: 5,
      breakerErrorThresholdPercent: 50,
      breakerRollingWindowMs: 10000,
      breakerResetMs: 30000,
    });
  });

  it('reads strings as integers and treats empty as unset', () => {
    const config = readResilienceConfig({
      HTTP_TIMEOUT_MS: ' 250 ',
      HTTP_RETRY_MAX: '5',
      BREAKER_RESET_MS: '',
    });
    expect(config.timeoutMs).toBe(250);
    expect(config.retryMax).toBe(5);
    expect(config.breakerResetMs).toBe(30000);
  });

  it.each([
    ['HTTP_TIMEOUT_MS', 'soon'],
    ['HTTP_RETRY_MAX', '0'],
    ['HTTP_RETRY_DEADLINE_MS', '-5'],
    ['BREAKER_ERROR_THRESHOLD_PERCENT', '101'],
    ['BREAKER_VOLUME_THRESHOLD', '2.5'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => readResilienceConfig({ [name]: value })).toThrow(name);
  });

  it('rejects a maximum backoff below the initial one', () => {
    expect(() =>
      readResilienceConfig({ HTTP_RETRY_BACKOFF_MS: '300', HTTP_RETRY_MAX_BACKOFF_MS: '100' }),
    ).toThrow('HTTP_RETRY_MAX_BACKOFF_MS');
  });
});

describe('resolveResilienceConfig', () => {
  it('overrides only what is given', () => {
    expect(resolveResilienceConfig({ timeoutMs: 50 })).toEqual({ ...defaultResilienceConfig, timeoutMs: 50 });
  });

  it('checks overrides with the same bounds', () => {
    expect(() => resolveResilienceConfig({ retryMax: 0 })).toThrow('HTTP_RETRY_MAX');
  });
});
