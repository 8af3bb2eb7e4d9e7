import { initServiceTRPC } from '@oos/service-kit';
import type { AppContext } from './context.ts';

export const t = initServiceTRPC<AppContext>();
export const procedure = t.procedure;
