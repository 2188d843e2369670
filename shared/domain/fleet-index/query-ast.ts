/**
 * A parsed fleet indexing query (AWS IoT Developer Guide, "Query syntax"): boolean operators over
 * terms, each term a field (or every field) and what its value must be.
 */
export type FleetQuery =
  | { readonly kind: 'and'; readonly items: readonly FleetQuery[] }
  | { readonly kind: 'or'; readonly items: readonly FleetQuery[] }
  | { readonly kind: 'not'; readonly item: FleetQuery }
  | FleetTerm;

/** One term: `field:value`, `field>5`, `field:[a TO b]`, or a bare value (`abc`: any field). */
export type FleetTerm = {
  readonly kind: 'term';
  /** Case-sensitive field name (`attributes.model`); absent: the value is searched in every field. */
  readonly field?: string;
  readonly match: TermMatch;
};

export type TermMatch =
  /** A word or a "quoted phrase", compared case-insensitively (numerically when both are numbers). */
  | { readonly kind: 'exact'; readonly value: string }
  /** `*` any run of characters, `?` one character; the pattern keeps escapes (`\*` is a star). */
  | { readonly kind: 'wildcard'; readonly pattern: string }
  /** `field:*`: the field has a value. */
  | { readonly kind: 'exists' }
  /** `[a TO b]`, `{a TO b}`, `field>a`, `field<=b`; an absent bound is open (`*`). */
  | {
      readonly kind: 'range';
      readonly lower?: string;
      readonly upper?: string;
      readonly includeLower: boolean;
      readonly includeUpper: boolean;
    };

/** Every term of a query, in order (operators left out). */
export function termsOf(query: FleetQuery): FleetTerm[] {
  switch (query.kind) {
    case 'term':
      return [query];
    case 'not':
      return termsOf(query.item);
    default:
      return query.items.flatMap(termsOf);
  }
}
