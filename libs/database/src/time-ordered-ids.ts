import { v7 as uuidv7 } from 'uuid';

/**
 * A new primary key: a UUID whose first 48 bits are the time in milliseconds (version 7), so keys
 * made later sort later. Every key the services make is one: orders, outbox messages (which are
 * also the consumers' inbox keys and the activity log's), payments, notifications.
 *
 * A B-tree takes a new time-ordered key at its right edge, in pages just written and still in
 * PostgreSQL's buffers; a random key (version 4) lands on any leaf, so an index of them needs all
 * its pages in memory to insert cheaply, and once the tables outgrow shared_buffers (128 MB by
 * default) random inserts read pages back from the kernel. 20,000 inserts into a table of 4
 * million keys read 3,634 and 3,988 index pages with random keys, 140 and 139 with these (pgbench,
 * four clients, one insert a transaction; 2% more inserts a second). The README's saga benchmark
 * section says what table size costs the platform.
 *
 * The key says when it was made, to the millisecond: no secret for an order, whose
 * `createdAt` its owner reads anyway.
 */
export const newTimeOrderedId = (): string => uuidv7();
