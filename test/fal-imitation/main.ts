// Runs the fal imitation until killed:
//   node out/test/fal-imitation/main.js [--port N] [--host H] [--realistic] [--demo-errors] [--verbose]
// Prints one line `FAL_IMITATION_URL=<origin>` once it is listening.
// --demo-errors (what `npm start` uses) lets a new user see fal's errors on purpose, with magic values:
//   a key whose id is `rejected` (e.g. rejected:anything) is refused as fal refuses a wrong key (401);
//   a prompt containing `sandbox:422` gets fal's field error on `prompt`; `sandbox:500` a server error.

import { startFalImitation } from './server';

const USAGE = 'usage: main.js [--port N] [--host HOST] [--realistic] [--demo-errors] [--verbose]';

/** Effectively for ever: the magic values work as often as they are tried. */
const ALWAYS = 1_000_000;

/** The key id and prompt markers of --demo-errors (documented in the README). */
const DEMO_ERRORS = { rejectedKeyId: 'rejected', fieldError: 'sandbox:422', serverError: 'sandbox:500' } as const;

interface CliOptions {
  port: number;
  host: string;
  realistic: boolean;
  demoErrors: boolean;
  verbose: boolean;
}

function parseArgs(args: string[]): CliOptions {
  const options: CliOptions = { port: 0, host: '127.0.0.1', realistic: false, demoErrors: false, verbose: false };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    const [flag, inlineValue] = arg.split(/=(.*)/s, 2);
    const value = (): string => {
      const next = inlineValue ?? args[++index];
      if (next === undefined) {
        throw new Error(`${flag} needs a value`);
      }
      return next;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new Error(`--port must be an integer from 0 to 65535`);
        }
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--realistic':
        options.realistic = true;
        break;
      case '--demo-errors':
        options.demoErrors = true;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument '${arg}'`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  const imitation = await startFalImitation({
    port: options.port,
    host: options.host,
    realistic: options.realistic,
    onRequest: options.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  if (options.demoErrors) {
    imitation.configure({ rejectedKeys: [DEMO_ERRORS.rejectedKeyId] });
    imitation.addFault({
      at: 'submit',
      kind: 'http',
      status: 422,
      body: { detail: [{ loc: ['body', 'prompt'], msg: `This is the sandbox's example of a field error (the prompt contains "${DEMO_ERRORS.fieldError}").`, type: 'value_error' }] },
      match: { promptIncludes: DEMO_ERRORS.fieldError },
      times: ALWAYS,
    });
    imitation.addFault({ at: 'submit', kind: 'http', status: 500, match: { promptIncludes: DEMO_ERRORS.serverError }, times: ALWAYS });
  }
  process.stdout.write(`FAL_IMITATION_URL=${imitation.url}\n`);

  let closing = false;
  const shutDown = (): void => {
    if (closing) {
      return;
    }
    closing = true;
    imitation.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`fal imitation: error while closing: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}

main().catch((error: unknown) => {
  process.stderr.write(`fal imitation failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
