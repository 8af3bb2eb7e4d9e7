export {
  classifyFailure,
  type FailureKind,
  httpStatusOf,
  isNetworkError,
  isRetryable,
} from './classify.ts';
export {
  defaultResilienceConfig,
  type ResilienceConfig,
  ResilienceConfigError,
  readResilienceConfig,
  resilienceConfigSchema,
  resolveResilienceConfig,
} from './config.ts';
export {
  getUpstreamUnavailable,
  isUpstreamUnavailable,
  type UnavailableReason,
  UpstreamUnavailableError,
} from './errors.ts';
export { createHttpFetch, type HttpFetch, type HttpFetchOptions, type LinkFetch } from './http-fetch.ts';
export { type CallerContext, type Executor, resilienceLink } from './link.ts';
export {
  type AttemptOutcome,
  type BreakerState,
  type CallOptions,
  type CallOutcome,
  type CreateUpstreamOptions,
  createUpstream,
  type Upstream,
  type UpstreamHooks,
} from './upstream.ts';
