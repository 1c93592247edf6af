/**
 * The translator of every module that must not import `vscode` (so unit tests load them in plain Node). The
 * composition root hands it `vscode.l10n` at activation; until then, and in unit tests, messages stay English.
 * Call it as `l10n.t('Text {0}', value)`: `npm run l10n` (`@vscode/l10n-dev export`) collects exactly the
 * calls written `l10n.t(…)` into l10n/bundle.l10n.json.
 */
export type L10nArg = string | number | boolean;

export interface L10n {
  t(message: string, ...args: L10nArg[]): string;
}

/** `{0}`, `{1}`… replaced by the arguments, as vscode.l10n.t does for English. */
export function formatMessage(message: string, args: readonly L10nArg[]): string {
  return message.replace(/\{(\d+)\}/g, (placeholder, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? placeholder : String(value);
  });
}

const english: L10n = { t: (message, ...args) => formatMessage(message, args) };
let current: L10n = english;
let currentLocale = 'en';

export const l10n: L10n = { t: (message, ...args) => current.t(message, ...args) };

/** Called once by the host with `vscode.l10n` and `vscode.env.language`. */
export function useTranslator(translator: L10n, locale: string): void {
  current = translator;
  currentLocale = locale;
}

/**
 * The translator and locale in use, for a bundle loaded later (dist/params-check.js) that has a copy of this module
 * of its own: it is handed them as it loads.
 */
export function translatorInUse(): { translator: L10n; locale: string } {
  return { translator: current, locale: currentLocale };
}

/** The BCP 47 language of the messages, for `Intl` formatting of numbers, dates and durations. */
export function displayLocale(): string {
  return currentLocale;
}

/** `locale` if `Intl` knows it, else English: VS Code's language can be a tag no Intl formatter has data for. */
export function intlLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

const formatters = new Map<string, unknown>();

/**
 * One formatter per kind, locale and options, made once: making an `Intl` formatter costs far more than using it,
 * and a History page formats hundreds of numbers and times.
 */
function cachedFormatter<T>(kind: string, locale: string, options: object, make: (locale: string) => T): T {
  const key = `${kind}|${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key) as T | undefined;
  if (formatter === undefined) {
    formatter = make(intlLocale(locale));
    formatters.set(key, formatter);
  }
  return formatter;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cachedFormatter('number', locale, options, (tag) => new Intl.NumberFormat(tag, options));
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cachedFormatter('dateTime', locale, options, (tag) => new Intl.DateTimeFormat(tag, options));
}

/** A number in `locale`'s digits and separators, with at most (and, for fractions, exactly) `decimals` decimals. */
export function formatNumber(value: number, locale = currentLocale, decimals?: number): string {
  const digits = decimals === undefined ? {} : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
  return numberFormat(locale, digits).format(value);
}

/** Short relative times (`5 min. ago`, `yesterday`) in `locale`. */
export function relativeTimeFormat(locale = currentLocale): Intl.RelativeTimeFormat {
  return cachedFormatter('relativeTime', locale, {}, (tag) => new Intl.RelativeTimeFormat(tag, { numeric: 'auto', style: 'short' }));
}

/** `"a", "b", and "c"` (conjunction) or `"a", "b", or "c"` (disjunction), in `locale`'s words and punctuation. */
export function formatList(items: readonly string[], type: 'conjunction' | 'disjunction', locale = currentLocale): string {
  return cachedFormatter('list', locale, { type }, (tag) => new Intl.ListFormat(tag, { type, style: 'long' })).format(items);
}
