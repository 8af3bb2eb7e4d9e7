export { freePort } from '@oos/db-kit/testing';
