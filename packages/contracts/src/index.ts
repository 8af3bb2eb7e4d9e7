export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './inventory.ts';
export * from './orders.ts';
export * from './payments.ts';
