// Staff hiding (運営による非表示), as every surface reads it. Hidden rows keep their place in
// lists and pages; their text never leaves the database: the queries that show content select it
// through unlessHidden(), so a view that forgot to show the notice would show nothing rather than
// the hidden text. Views show the notice (views/pc/partials/hidden-notice.ejs) when hidden_at is set.

/** SQL selecting `alias.column` AS `as`, or '' once staff hid the row. No bindings. */
export function unlessHidden(alias: string, column: string, as: string = column): string {
  return `CASE WHEN ${alias}.hidden_at IS NULL THEN ${alias}.${column} ELSE '' END AS ${as}`;
}

/** The columns a view needs to show the notice in the row's place. */
export function hiddenColumns(alias: string): string[] {
  return [`${alias}.hidden_at`, `${alias}.hidden_reason`];
}

export type Hideable = { hidden_at: Date | null; hidden_reason: string | null };
