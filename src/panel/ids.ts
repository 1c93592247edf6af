/** The video panel's webview view type. No imports: the activation shim registers the panel's serializer. */
export const VIDEO_PANEL_VIEW_TYPE = 'animateDiff.videoPanel';
