// The integration suite's entry point, loaded by VS Code's extension host (runTests' extensionTestsPath).
// A standard mocha runner: BDD interface (describe/it), spec reporter, 30 s per test, every
// out/test/integration/**/*.test.js file. ANIMATEDIFF_TEST_GREP narrows the run to matching titles.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

function findTestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.js'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

export function run(): Promise<void> {
  // A ceiling, not a budget: on a loaded 2-core machine a batch of videos can take several times its idle time.
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 90_000, color: false });
  const grep = process.env.ANIMATEDIFF_TEST_GREP;
  if (grep) {
    mocha.grep(grep);
  }
  for (const file of findTestFiles(__dirname)) {
    mocha.addFile(file);
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) {
          reject(new Error(`${failures} integration test(s) failed`));
        } else {
          resolve();
        }
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
