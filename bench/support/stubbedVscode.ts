import { installVscodeStub } from './vscodeStub';

/**
 * Import this first: from here on `require('vscode')` answers with the stub, so the product's modules imported after
 * it load on plain Node.
 */
export const vscodeStub = installVscodeStub();
