/** The service's Prisma client, under a name the libraries can ask for without knowing its class. */
export const SERVICE_DATABASE = Symbol('service-database');
