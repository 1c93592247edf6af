// `npm run l10n`: writes l10n/bundle.l10n.json, every message of the extension, with @vscode/l10n-dev's exporter.
// The exporter only sees `l10n.t(…)` where `l10n` comes from 'vscode'; the modules that must not import vscode take
// theirs from src/l10n/l10n.ts, so their import is read as if it were from 'vscode' (in memory, for the exporter).
//
//   node l10n.js                 export l10n/bundle.l10n.json
//   node l10n.js --pseudo <dir>  also write the pseudo-locale (qps-ploc) bundle and package.nls into <dir>
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { getL10nJson, getL10nPseudoLocalized } = require('@vscode/l10n-dev');

const root = __dirname;

function sourceFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The messages of src/; written to l10n/bundle.l10n.json unless `write` is false (the unit test compares). */
async function exportBundle(write = true) {
  const files = sourceFiles(path.join(root, 'src')).map((file) => ({
    extension: '.ts',
    contents: fs.readFileSync(file, 'utf8').replace(/from '(?:\.\.?\/)+l10n\/l10n'/g, 'from \'vscode\''),
  }));
  const bundle = await getL10nJson(files);
  if (write) {
    fs.writeFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), `${JSON.stringify(bundle, null, 2)}\n`);
  }
  return bundle;
}

/** Every string of ours transformed (accented, bracketed, placeholders kept): a UI showing plain English has a hard-coded string. */
function writePseudo(bundle, dir) {
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
  fs.mkdirSync(path.join(dir, 'l10n'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'l10n', 'bundle.l10n.qps-ploc.json'), `${JSON.stringify(getL10nPseudoLocalized(bundle), null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'package.nls.qps-ploc.json'), `${JSON.stringify(getL10nPseudoLocalized(nls), null, 2)}\n`);
}

async function main() {
  const bundle = await exportBundle();
  console.log(`l10n/bundle.l10n.json: ${Object.keys(bundle).length} messages`);
  const pseudo = process.argv.indexOf('--pseudo');
  if (pseudo >= 0) {
    writePseudo(bundle, path.resolve(process.argv[pseudo + 1]));
  }
}

module.exports = { exportBundle, writePseudo };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
