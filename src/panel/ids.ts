/** The video panel's ids. No imports: activation registers the panel's serializer and reads its memory. */

/** The webview view type. */
export const VIDEO_PANEL_VIEW_TYPE = 'animateDiff.videoPanel';

/** Under the workspace's storage: whether the video panel is open, and on what. */
export const PANEL_MEMORY_FILE_NAME = 'videoPanel.json';
