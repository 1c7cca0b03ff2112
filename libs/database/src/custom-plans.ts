/**
 * Connection options for the platform's pools: plan every execution of a prepared statement with
 * its actual parameters and the table's size at that moment.
 *
 * PostgreSQL otherwise switches a prepared statement to a generic plan after five executions and
 * keeps it until ANALYZE invalidates it. Our statements are prepared within seconds of a start, when
 * a new database's tables are empty, so those generic plans read them whole: the outbox claim
 * updated its rows through a sequential scan of outbox_message. Where autovacuum is off (as on
 * some machines) nothing ever replans them, and every claim slows as the table grows: 20-35 ms a
 * claim after 2,000 orders on a fresh install, and end-to-end p50 at 100 orders/s of 1.9 s instead
 * of 1.0 s. A custom plan costs about 0.2 ms of planning; with well-analyzed tables, the two modes
 * measured the same within noise (PostgreSQL CPU 4.4 against 5.1 ms per order at 100/s).
 */
export const CUSTOM_PLANS_ONLY = '-c plan_cache_mode=force_custom_plan';
