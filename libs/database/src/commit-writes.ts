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
  /** A SELECT that goes in the same statement (the outbox's NOTIFY, and which of its rows the writer publishes itself). */
  readonly select?: SqlStatement;
  /** Receives the rows of `select`, before the transaction commits. */
  readonly onSelected?: (rows: readonly Record<string, unknown>[]) => void;
}

/** A row of a statement made by writesTogether: which write's SELECT it comes from (write_<part>), and the row. */
export interface SelectedRow {
  readonly part: number;
  readonly selected: Record<string, unknown>;
}

/**
 * One statement that runs every write: each becomes a data-modifying WITH query, which PostgreSQL
 * runs whether or not anything refers to it, and the SELECTs become the main query, each row as a
 * SelectedRow (so that SELECTs of any shape go in one UNION). All the parts
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
  const selects = writes.flatMap(({ select }, index) =>
    select ? [`SELECT ${index + 1} AS part, to_jsonb(s) AS selected FROM (${renumbered(select)}) AS s`] : [],
  );
  return { text: `WITH ${parts.join(',\n')}\n${selects.length > 0 ? selects.join('\nUNION ALL\n') : 'SELECT 1'}`, values };
}

/** Hands each write of a writesTogether statement the rows of its own SELECT. */
export function deliverSelected(writes: readonly CommitWrite[], rows: readonly SelectedRow[]): void {
  writes.forEach((write, index) => write.onSelected?.(rows.filter(({ part }) => part === index + 1).map(({ selected }) => selected)));
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
