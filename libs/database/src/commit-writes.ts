import type { SqlStatement } from './sql';

/**
 * A data-modifying statement whose result nobody reads, on one table, with an optional SELECT to
 * run with it (the outbox's NOTIFY). The statements a transaction writes at commit go to the
 * server together, as the parts of one statement (see writesTogether).
 */
export interface CommitWrite {
  /** The table it writes: two writes of one table never share a statement. */
  readonly table: string;
  /** An INSERT, UPDATE or DELETE without WITH or RETURNING. */
  readonly statement: SqlStatement;
  /** A SELECT that goes in the same statement (the outbox's NOTIFY); its result is not read either. */
  readonly select?: SqlStatement;
}

/**
 * One statement that runs every write: each becomes a data-modifying WITH query, which PostgreSQL
 * runs whether or not anything refers to it, and the SELECTs become the main query. All the parts
 * see the same snapshot and none sees another's rows, which is why two writes of one table are
 * never combined (writeGroups splits them). Constraints are checked at the end of the statement,
 * so a history row may come in the same statement as the saga it belongs to.
 */
export function writesTogether(writes: readonly CommitWrite[]): SqlStatement {
  if (writes.length === 1 && !writes[0].select) return writes[0].statement;
  const values: unknown[] = [];
  const renumbered = (statement: SqlStatement): string => {
    const offset = values.length;
    values.push(...statement.values);
    // sql`` puts every value behind a placeholder, so the only $n in a text are its placeholders.
    return statement.text.replace(/\$(\d+)/g, (_, index: string) => `$${Number(index) + offset}`);
  };
  const parts = writes.map((write, index) => `write_${index + 1} AS (${renumbered(write.statement)})`);
  const selects = writes.flatMap(({ select }) => (select ? [`SELECT count(*) FROM (${renumbered(select)}) AS s`] : []));
  return { text: `WITH ${parts.join(',\n')}\n${selects.length > 0 ? selects.join('\nUNION ALL\n') : 'SELECT 1'}`, values };
}

/** The writes in runs that each touch a table once, in their order: each run is one statement. */
export function writeGroups(writes: readonly CommitWrite[]): CommitWrite[][] {
  const groups: CommitWrite[][] = [];
  let tables = new Set<string>();
  for (const write of writes) {
    if (groups.length === 0 || tables.has(write.table)) {
      groups.push([]);
      tables = new Set();
    }
    groups[groups.length - 1].push(write);
    tables.add(write.table);
  }
  return groups;
}
