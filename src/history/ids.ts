/** Ids the manifest, the activation shim and the core share. No imports: the shim loads this at activation. */

export const HISTORY_VIEW_ID = 'animateDiff.history';
/** Under the extension's global storage. */
export const HISTORY_FOLDER_NAME = 'history';
/** The first version's index (moved into the history file at the first start). */
export const HISTORY_INDEX_FILE_NAME = 'index.json';
/** One empty file per unfinished job, named by its id: what a window's start looks at, a few bytes. */
export const HISTORY_RUNNING_FOLDER_NAME = 'running';
/** Read-only documents with one job's parameters, outcome and fal log lines. */
export const HISTORY_LOG_SCHEME = 'animatediff-history-log';

export const HISTORY_CONTEXT = {
  /** True while the History view shows a text filter. */
  filtered: 'animateDiff.history.filtered',
} as const;

export const HISTORY_COMMANDS = {
  open: 'animateDiff.history.open',
  rerun: 'animateDiff.history.rerun',
  rerunWithNewSeed: 'animateDiff.history.rerunWithNewSeed',
  /** The palette's and the keyboard's: this window's newest generation (else the history's), same seed. */
  rerunLast: 'animateDiff.rerunLast',
  saveVideo: 'animateDiff.history.saveVideo',
  exportVideo: 'animateDiff.history.exportVideo',
  insertMarkdown: 'animateDiff.history.insertMarkdown',
  saveParameters: 'animateDiff.history.saveParameters',
  copyPrompt: 'animateDiff.history.copyPrompt',
  copyAsCode: 'animateDiff.history.copyAsCode',
  compare: 'animateDiff.history.compare',
  openLog: 'animateDiff.history.openLog',
  cancel: 'animateDiff.history.cancel',
  followAgain: 'animateDiff.history.followAgain',
  delete: 'animateDiff.history.delete',
  filter: 'animateDiff.history.filter',
  clearFilter: 'animateDiff.history.clearFilter',
  clear: 'animateDiff.history.clear',
  showMore: 'animateDiff.history.showMore',
  showRunningJobs: 'animateDiff.showRunningJobs',
} as const;

/** `contextValue` of a history item: `animateDiffHistory.<status>` plus `.video` when it can be played or saved. */
export const HISTORY_ITEM_CONTEXT_PREFIX = 'animateDiffHistory';
