import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const APPS = ['gateway', 'inventory', 'payments'] as const;
export type AppName = (typeof APPS)[number];

export const PREFIX: Record<AppName, string> = {
  gateway: 'GATEWAY',
  inventory: 'INVENTORY',
  payments: 'PAYMENTS',
};
