// Root hooks for the UI tests (registered by test/harness/run-ui.js): a screenshot of every open
// workbench when a test fails, and no browser context left open at the end.
import type { Context } from 'mocha';
import { currentWorkbenches } from './workbench';

export const mochaHooks = {
  async afterEach(this: Context): Promise<void> {
    const test = this.currentTest;
    if (test?.state !== 'failed') {
      return;
    }
    for (const [index, workbench] of currentWorkbenches().entries()) {
      try {
        const file = await workbench.screenshot(`FAILED ${test.fullTitle()}${index > 0 ? ` ${index + 1}` : ''}`);
        console.log(`      screenshot of the failure: ${file}`);
      } catch (error) {
        console.log(`      (no screenshot: ${error instanceof Error ? error.message : String(error)})`);
      }
    }
  },
  async afterAll(): Promise<void> {
    await Promise.all(currentWorkbenches().map((workbench) => workbench.close()));
  },
};
