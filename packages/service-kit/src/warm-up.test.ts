import express from 'express';
import { expect, it } from 'vitest';
import { warmUp } from './warm-up.ts';

it('sends each warm-up request to the app once, marked as such, and leaves no port open', async () => {
  const app = express();
  const received: Array<{ method: string; path: string; requestId: unknown; body: unknown }> = [];
  let base = '';
  app.use(express.text({ type: '*/*' }), (req, res) => {
    base = `http://${req.headers.host}`;
    received.push({
      method: req.method,
      path: req.url,
      requestId: req.headers['x-request-id'],
      body: req.body,
    });
    // One refusal among them: the answers are not the point, and a 4xx must not stop the rest.
    res.status(req.method === 'POST' ? 400 : 200).end();
  });

  await warmUp(app, [
    { method: 'GET', path: '/a?x=1' },
    { method: 'POST', path: '/b', headers: { 'content-type': 'text/plain' }, body: 'hello' },
  ]);

  expect(received).toEqual([
    { method: 'GET', path: '/a?x=1', requestId: 'warm-up', body: undefined },
    { method: 'POST', path: '/b', requestId: 'warm-up', body: 'hello' },
  ]);
  await expect(fetch(`${base}/a`)).rejects.toThrow();
});
