/** A parameterised statement: the text with $1..$n placeholders and the values that fill them. */
export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * Builds a parameterised statement from a template literal, so that values are never spliced
 * into the SQL text:  sql`SELECT * FROM product WHERE sku = ANY(${skus})`
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlStatement {
  let text = strings[0];
  for (let index = 1; index < strings.length; index += 1) text += `$${index}${strings[index]}`;
  return { text, values };
}

