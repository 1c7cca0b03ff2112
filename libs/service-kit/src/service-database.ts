/**
 * What the platform needs of a service's Prisma client: to close it at shutdown. Prisma serves
 * the service's reads and set-up routes; the hot paths (POST /orders, the consumers) write through
 * SqlDatabase pools of their own.
 */
export interface ServiceDatabase {
  $disconnect(): Promise<void>;
}
