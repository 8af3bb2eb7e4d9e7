// The baseline: the least an Express 5 app on this machine can do per request, measured in the same run.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => {
  res.json({ hello: 'world' });
});
const port = Number(process.env.PORT ?? '0');
const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
