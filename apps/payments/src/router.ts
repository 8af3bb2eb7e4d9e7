import { charge } from './procedures/charge.ts';
import { refund } from './procedures/refund.ts';
import { t } from './trpc.ts';

export const paymentsRouter = t.router({ charge, refund });
export type PaymentsRouter = typeof paymentsRouter;
