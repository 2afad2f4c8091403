/** How the schema's camelCase column keys become SQL names, for the client and for SQL built outside it. */
export const casing = "snake_case";
