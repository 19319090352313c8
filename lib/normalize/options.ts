// The settings every normaliser reads, resolved once by the middleware that owns them.

/** Resolved normalisation settings. */
export interface NormalizeOptions {
  /** Country calling code for numbers sent without one (`"91"`). */
  readonly defaultCountryCode: string;
  /** IANA zone for zone-less date strings; `null` = UTC. */
  readonly timeZone: string | null;
}

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = Object.freeze({ defaultCountryCode: '91', timeZone: null });
