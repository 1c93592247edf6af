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

/** The BCP 47 language of the messages, for `Intl` formatting of numbers, dates and durations. */
export function displayLocale(): string {
  return currentLocale;
}
