// The extension in the pseudo-locale qps-ploc (the third code-server of run-ui.js): every string of ours is
// transformed there ("Generate" → "Ɠḗḗƞḗḗřȧȧŧḗḗ"), so a word of our English bundles left in plain letters on a
// surface of ours was never localised. VS Code's own UI stays English (its language pack translates nothing).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, uiEnvironment, type Workbench } from './workbench';

const KEY = 'ui-pseudo-key:ui-pseudo-secret-7c41d9';
const PROMPT = 'a paper boat drifting down a rainy street gutter';
const BROKEN = `{
  "prompt": "a kite over windy dunes",
  "num_frames": 48,
  "sede": 7
}
`;
/** VS Code's own words around ours: its UI stays English (the language pack translates nothing). */
const VS_CODE_TEXT = ['(Press \'Enter\' to confirm or \'Escape\' to cancel)'];
/** Names that stay as they are in every language (the diagnostics' source, for one). */
const PRODUCT_NAMES = new Set(['animatediff', 'fal', 'turbo']);

type Messages = Record<string, string | { message: string }>;

function readJson(file: string): Messages {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Messages;
}

function textOf(message: string | { message: string } | undefined, key: string): string {
  if (message === undefined) {
    throw new Error(`no pseudo message for ${JSON.stringify(key)}`);
  }
  return typeof message === 'string' ? message : message.message;
}

describe('UI: the pseudo-locale shows no hard-coded English of ours', () => {
  let ui: Workbench;
  let englishWords: Set<string>;
  /** The pseudo text of an English message of the bundle. */
  let t: (english: string) => string;
  /** The pseudo text of a package.nls key. */
  let nls: (key: string) => string;
  /** "AnimateDiff: Generate Video…": the English titles VS Code shows under the translated ones, to search by. */
  let englishTitles: Set<string>;

  before(async () => {
    const extension = uiEnvironment().pseudoExtensionDir;
    const english = { ...readJson(path.join(extension, 'l10n', 'bundle.l10n.json')), ...readJson(path.join(extension, 'package.nls.json')) };
    englishWords = new Set(Object.values(english)
      .flatMap((message) => (typeof message === 'string' ? message : message.message).replace(/\{\d+\}/g, ' ').match(/[A-Za-z]{3,}/g) ?? [])
      .map((word) => word.toLowerCase())
      .filter((word) => !PRODUCT_NAMES.has(word)));
    const englishNls = readJson(path.join(extension, 'package.nls.json'));
    englishTitles = new Set(Object.keys(englishNls)
      .filter((key) => /^command\..+\.title$/.test(key))
      .map((key) => `${textOf(englishNls['command.category'], key)}: ${textOf(englishNls[key], key)}`));
    const bundle = readJson(path.join(extension, 'l10n', 'bundle.l10n.qps-ploc.json'));
    const manifest = readJson(path.join(extension, 'package.nls.qps-ploc.json'));
    t = (message) => textOf(bundle[message], message);
    nls = (key) => textOf(manifest[key], key);
    ui = await openWorkbench({ pseudoLocale: true });
    await ui.imitation.reset();
  });
  after(() => ui.close());

  /** `text` (with `userData` — prompts, file names, numbers — taken out) is pseudo text, with no English word of our bundles. */
  const assertPseudo = (text: string, where: string, userData: readonly string[] = []) => {
    const ours = [...VS_CODE_TEXT, ...userData].reduce((rest, data) => rest.split(data).join(' '), text.replace(/\u00a0/g, ' '));
    assert.match(ours, /[\u0100-\u024f\u1e00-\u1eff]/, `${where}: pseudo text expected in ${JSON.stringify(text)}`);
    // Words are whole runs of letters: the "add" inside a request id such as "d4d8e363add8" is no word of ours.
    const english = (ours.match(/[A-Za-z0-9]+/g) ?? []).filter((word) => /^[A-Za-z]{3,}$/.test(word) && englishWords.has(word.toLowerCase()));
    assert.deepEqual(english, [], `${where}: plain English of ours in ${JSON.stringify(text)}`);
  };
  const command = (key: string) => `${nls('command.category')}: ${nls(`command.${key}.title`)}`;

  it('manifest: every command of ours in the palette has a pseudo title', async () => {
    const labels = ui.page.locator('.quick-input-widget .monaco-list-row .label-name');
    // Right after load the palette may not list the extension's commands yet.
    for (let attempt = 0; ; attempt++) {
      await ui.page.keyboard.press('F1');
      await ui.quickInputBox().fill(`>${nls('command.category')}`);
      try {
        await labels.filter({ hasText: nls('command.getStarted.title') }).first().waitFor({ timeout: 3_000 });
        break;
      } catch (error) {
        if (attempt === 10) {
          throw error;
        }
        await ui.page.keyboard.press('Escape');
      }
    }
    const titles = await labels.allInnerTexts();
    // "Focus on … View" is VS Code's own command for our view (its name is ours, and pseudo); under each title of
    // ours VS Code shows its English original (from package.nls.json) to search by.
    const shown = titles.filter((title) => !title.includes(': Focus on ') && !englishTitles.has(title));
    // The list renders the rows in view only.
    assert.ok(shown.length >= 4, `our commands are listed: ${JSON.stringify(titles)}`);
    for (const title of shown) {
      assertPseudo(title, 'palette');
    }
    await ui.screenshot('pseudo-palette');
    await ui.page.keyboard.press('Escape');
  });

  it('a message and its buttons', async () => {
    await ui.runCommand(command('rerunLast'));
    const toast = ui.notification(t('Nothing to re-run yet: there is no generation in this window or in the AnimateDiff history. Generate a video first.'));
    await toast.waitFor();
    assertPseudo(await toast.locator('.notification-list-item-message').innerText(), 'notification');
    const buttons = await toast.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts();
    assert.deepEqual(buttons, [t('Generate Video…')]);
    await toast.locator('.codicon-notifications-clear').click();
  });

  it('the password box, a generation and the panel (its html lang the host\'s)', async () => {
    await ui.runCommand(command('setApiKey'));
    const passwordBox = ui.page.locator('.quick-input-widget .quick-input-box input[type="password"]');
    await passwordBox.waitFor();
    assertPseudo(await ui.page.locator('.quick-input-widget .quick-input-message').innerText(), 'password box', ['key_id:key_secret', 'fal.ai/dashboard/keys']);
    await passwordBox.fill(KEY);
    await passwordBox.press('Enter');
    await ui.notification(t('fal API key saved in VS Code\'s secret storage.')).waitFor();

    await ui.runCommand(command('generate'));
    await ui.quickInputBox().waitFor();
    assertPseudo(await ui.page.locator('.quick-input-widget .quick-input-message').innerText(), 'prompt box');
    await ui.answerInputBox(PROMPT);
    const panel = ui.webviewFrame();
    await panel.locator('video').waitFor({ timeout: 60_000 });
    await panel.getByText(PROMPT).first().waitFor();
    assert.equal(await panel.locator('html').getAttribute('lang'), 'qps-ploc');
    const shown = await panel.locator('body').innerText();
    assertPseudo(shown, 'video panel', [PROMPT, '(bad quality, worst quality:1.2), ugly faces, bad anime', 'fal-ai/fast-animatediff/turbo/text-to-video']);
    await ui.screenshot('pseudo-panel');
  });

  it('the History view: its row and tooltip', async () => {
    await ui.page.locator(`.part.activitybar .action-item a[aria-label^=${JSON.stringify(nls('viewsContainer.animateDiff.title'))}]`).click();
    const row = ui.page.locator('.part.sidebar .monaco-list-row').filter({ hasText: PROMPT.slice(0, 15) });
    await row.waitFor();
    assertPseudo(await row.locator('.label-description').innerText(), 'History description');
    const hover = await ui.hoverUntil(row, ui.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: t('Request id') }));
    // " video " is fal's word for the unit its price is per (the imitation's pricing answer), not ours.
    assertPseudo(await hover.innerText(), 'History tooltip', [PROMPT, '(bad quality, worst quality:1.2), ugly faces, bad anime', 'fal-ai/fast-animatediff/turbo/text-to-video', ' video ']);
    await ui.screenshot('pseudo-history');
  });

  it('diagnostics of a parameter file in Problems', async () => {
    fs.writeFileSync(path.join(ui.workspaceDir, 'kite.animate.json'), BROKEN);
    await ui.openFile('kite.animate.json');
    await ui.activeEditor().locator('.squiggly-error').first().waitFor();
    await ui.page.keyboard.press('Control+Shift+M');
    const problems = ui.page.locator('.markers-panel .monaco-list-row').filter({ hasNotText: 'kite.animate.json' });
    await problems.first().waitFor();
    const texts = await problems.allInnerTexts();
    assert.ok(texts.length >= 2, `the too-many frames and the unknown key: ${JSON.stringify(texts)}`);
    for (const text of texts) {
      assertPseudo(text, 'Problems', ['"num_frames"', '"sede"', '"seed"', 'out-of-range', 'unknown-key']);
    }
    await ui.screenshot('pseudo-problems');
  });
});
