// The three db packages, reached by path: they depend on db-kit, so db-kit cannot depend on them.
export {
  migrationsDir as gatewayMigrationsDir,
  schemaPath as gatewaySchemaPath,
} from '../../db-gateway/src/index.ts';
export {
  migrationsDir as inventoryMigrationsDir,
  openInventoryDatabase,
  schemaPath as inventorySchemaPath,
} from '../../db-inventory/src/index.ts';
export {
  migrationsDir as paymentsMigrationsDir,
  schemaPath as paymentsSchemaPath,
} from '../../db-payments/src/index.ts';
