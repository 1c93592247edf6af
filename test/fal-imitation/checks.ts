// Narrowing of untrusted JSON (control API bodies, storage bodies) into typed values, with messages
// that say which field is wrong. Node built-ins only, so the imitation has no runtime dependencies.

import { isRecord } from './falErrors';

export class InputError extends Error {}

export function expectObject(value: unknown, what: string, allowedKeys: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) {
    throw new InputError(`${what} must be a JSON object`);
  }
  const unknown = Object.keys(value).filter((key) => !allowedKeys.includes(key));
  if (unknown.length > 0) {
    throw new InputError(`${what}: unknown field(s) ${unknown.map((key) => `'${key}'`).join(', ')}; expected ${allowedKeys.join(', ')}`);
  }
  return value;
}

export function optionalString(object: Record<string, unknown>, key: string, what: string): string | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InputError(`${what}.${key} must be a string`);
  }
  return value;
}

export function requiredString(object: Record<string, unknown>, key: string, what: string): string {
  const value = optionalString(object, key, what);
  if (value === undefined) {
    throw new InputError(`${what}.${key} is required`);
  }
  return value;
}

export function optionalNumber(
  object: Record<string, unknown>, key: string, what: string, bounds: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  const { min = -Infinity, max = Infinity, integer = false } = bounds;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const range = `${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` ≤ ${max}` : ''}`;
    throw new InputError(`${what}.${key} must be ${integer ? 'an integer' : 'a number'}${range}`);
  }
  return value;
}

export function requiredNumber(
  object: Record<string, unknown>, key: string, what: string, bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = optionalNumber(object, key, what, bounds);
  if (value === undefined) {
    throw new InputError(`${what}.${key} is required`);
  }
  return value;
}

export function optionalOneOf<T extends string>(
  object: Record<string, unknown>, key: string, what: string, options: readonly T[],
): T | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new InputError(`${what}.${key} must be one of ${options.map((option) => `'${option}'`).join(', ')}`);
  }
  return value as T;
}

export function optionalStringArray(object: Record<string, unknown>, key: string, what: string): string[] | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InputError(`${what}.${key} must be an array of strings`);
  }
  return [...value] as string[];
}

export function optionalStringRecord(object: Record<string, unknown>, key: string, what: string): Record<string, string> | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    throw new InputError(`${what}.${key} must be an object of strings`);
  }
  return { ...value } as Record<string, string>;
}
