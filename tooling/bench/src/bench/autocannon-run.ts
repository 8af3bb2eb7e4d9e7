import autocannon from 'autocannon';

export interface ScenarioResult {
  name: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** CPU milliseconds each process (gateway, inventory, payments, postgres, redis, loadgen) spent per request. */
  cpuMsPerRequest?: Record<string, number>;
}

export interface Scenario {
  name: string;
  url: string;
  connections: number;
  method?: 'GET' | 'POST';
  /** Called for every request: vary its path, headers or body (unique Idempotency-Keys, random ids). */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
}

/** One autocannon run; numbers are recorded, never judged. */
export async function runScenario(scenario: Scenario, durationSeconds: number): Promise<ScenarioResult> {
  const options: autocannon.Options = {
    url: scenario.url,
    connections: scenario.connections,
    duration: durationSeconds,
    method: scenario.method ?? 'GET',
    timeout: 10,
  };
  if (scenario.setupRequest) {
    const setup = scenario.setupRequest;
    options.requests = [{ setupRequest: (request) => setup(request) }];
  }
  const result = await autocannon(options);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    name: scenario.name,
    connections: scenario.connections,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}
