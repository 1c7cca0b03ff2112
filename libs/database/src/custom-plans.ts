/**
 * Plans each execution of a prepared statement with its actual parameters and the table's size at
 * that moment. Hot transactions begin with it (SqlTransaction's BEGIN, the outbox relay).
 *
 * PostgreSQL may otherwise switch a prepared statement to a generic plan from its sixth execution
 * on, and keeps that plan until ANALYZE or DDL invalidates it. The services prepare their
 * statements within seconds of a start, while a new database's tables are empty, and the generic
 * plans then read those tables whole (the outbox claim updated its rows through a sequential scan
 * of outbox_message). Where autovacuum is off nothing replans them, and they slow down as the
 * tables grow. Set per transaction rather than per connection, so no connection string or
 * PGOPTIONS can switch it off. The README's saga benchmark section has the measurements.
 */
export const PLAN_EVERY_EXECUTION = 'SET LOCAL plan_cache_mode TO force_custom_plan';
