/*
 * A generation request as code a user can run outside VS Code: cURL against fal's queue, JavaScript with
 * `@fal-ai/client` and Python with `fal_client`, as on the model's page. The key is always read from the
 * FAL_KEY environment variable, never written into the code. Pure: no vscode import.
 */

export const CODE_LANGUAGES = ['curl', 'javascript', 'python'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

export const CODE_LANGUAGE_NAMES: Readonly<Record<CodeLanguage, string>> = {
  curl: 'cURL',
  javascript: 'JavaScript (@fal-ai/client)',
  python: 'Python (fal_client)',
};

const QUEUE_HOST = 'https://queue.fal.run';

/** Status, result and cancel URLs use only `owner/alias` of the endpoint id, not its sub-path. */
function appIdOf(endpoint: string): string {
  return endpoint.split('/').slice(0, 2).join('/');
}

/** A shell word in single quotes: a quote inside becomes '\''. */
function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function curlScript(endpoint: string, input: Readonly<Record<string, unknown>>): string {
  const requests = `${QUEUE_HOST}/${appIdOf(endpoint)}/requests`;
  return [
    '#!/usr/bin/env bash',
    `# ${endpoint} through fal's queue: submit, wait until it is done, fetch the result.`,
    '# Needs FAL_KEY in the environment (key_id:key_secret).',
    'set -euo pipefail',
    '',
    `submitted=$(curl -sS --fail-with-body -X POST ${shellQuoted(`${QUEUE_HOST}/${endpoint}`)} \\`,
    '  -H "Authorization: Key $FAL_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d ${shellQuoted(JSON.stringify(input, null, 2))}) || { echo "$submitted" >&2; exit 1; }`,
    'request_id=$(printf \'%s\' "$submitted" | sed -E \'s/.*"request_id" *: *"([^"]+)".*/\\1/\')',
    'echo "request $request_id" >&2',
    '',
    'while true; do',
    `  status=$(curl -sS --fail-with-body "${requests}/$request_id/status" -H "Authorization: Key $FAL_KEY") || { echo "$status" >&2; exit 1; }`,
    '  case "$status" in *\'"COMPLETED"\'*) break ;; esac',
    '  sleep 1',
    'done',
    '',
    `curl -sS --fail-with-body "${requests}/$request_id" -H "Authorization: Key $FAL_KEY"`,
    '',
  ].join('\n');
}

function javascriptModule(endpoint: string, input: Readonly<Record<string, unknown>>): string {
  const inputLiteral = JSON.stringify(input, null, 2).replace(/\n/g, '\n  ');
  return [
    'import { fal } from "@fal-ai/client";',
    '',
    '// The key is read from the FAL_KEY environment variable (key_id:key_secret).',
    `const result = await fal.subscribe(${JSON.stringify(endpoint)}, {`,
    `  input: ${inputLiteral},`,
    '  logs: true,',
    '  onQueueUpdate: (update) => {',
    '    if (update.status === "IN_PROGRESS") {',
    '      update.logs.map((log) => log.message).forEach((message) => console.error(message));',
    '    }',
    '  },',
    '});',
    'console.log(JSON.stringify(result.data));',
    '',
  ].join('\n');
}

/** A JSON value as a Python literal: true/false/null become True/False/None; strings stay JSON-escaped (valid Python). */
function pythonLiteral(value: unknown, indent: string): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    return value.length === 0 ? '[]' : `[\n${value.map((item) => `${inner}${pythonLiteral(item, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length === 0
    ? '{}'
    : `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${pythonLiteral(item, inner)},`).join('\n')}\n${indent}}`;
}

function pythonScript(endpoint: string, input: Readonly<Record<string, unknown>>): string {
  return [
    'import json',
    '',
    'import fal_client',
    '',
    '# The key is read from the FAL_KEY environment variable (key_id:key_secret).',
    '',
    '',
    'def on_queue_update(update):',
    '    if isinstance(update, fal_client.InProgress):',
    '        for log in update.logs:',
    '            print(log["message"])',
    '',
    '',
    'result = fal_client.subscribe(',
    `    ${JSON.stringify(endpoint)},`,
    `    arguments=${pythonLiteral(input, '    ')},`,
    '    with_logs=True,',
    '    on_queue_update=on_queue_update,',
    ')',
    'print(json.dumps(result))',
    '',
  ].join('\n');
}

/** The request (endpoint and the exact JSON body) as runnable code in `language`. */
export function requestAsCode(language: CodeLanguage, endpoint: string, input: Readonly<Record<string, unknown>>): string {
  switch (language) {
    case 'curl':
      return curlScript(endpoint, input);
    case 'javascript':
      return javascriptModule(endpoint, input);
    case 'python':
      return pythonScript(endpoint, input);
  }
}
