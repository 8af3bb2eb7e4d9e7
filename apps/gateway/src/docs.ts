import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type Express } from 'express';

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Order Orchestration System — API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A file rather than an inline script, so a Content-Security-Policy without 'unsafe-inline' still allows it.
// No validator badge: it would send the document to validator.swagger.io, which the CSP (rightly) refuses.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/** `GET /openapi.json` and `GET /docs`: Swagger UI from the installed swagger-ui-dist package, no CDN. */
export function mountDocs(app: Express, document: () => unknown): void {
  app.get(['/openapi.json', '/openapi.json/'], (_req, res) => {
    res.json(document());
  });
  app.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(PAGE);
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  app.use('/docs', express.static(swaggerUiDir, { index: false, fallthrough: true }));
}
