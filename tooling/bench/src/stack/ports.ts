export { freePort } from '@oos/db-kit/free-port';
