// Schema pieces shared by the payload formats. MyOperator sends numbers as strings and strings as numbers and
// uses null or "" for absent values, so scalar fields accept all of them; the normalisers do the reading.

/** A scalar that is read as text or a number: string, number or null. */
export const scalar = { type: ['string', 'number', 'null'] } as const;

/** A list given as an array of scalars, a comma-separated string, or null. */
export const scalarList = {
  anyOf: [{ type: 'array', items: scalar }, { type: ['string', 'null'] }],
} as const;
