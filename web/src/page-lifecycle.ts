// Page visibility and unload, in one place. `hidden` fires on visibilitychange → hidden and on
// pagehide (a closed tab, a navigation, a page entering the back/forward cache): the last moments
// the page can act before it may be frozen or gone. `visible` fires when the page is shown again.
export interface PageHooks {
  hidden?: () => void;
  visible?: () => void;
}

/** Subscribes; returns the unsubscribe function. A no-op outside a page (Node, workers). */
export function watchPage(hooks: PageHooks): () => void {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return () => undefined;
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') hooks.hidden?.();
    else hooks.visible?.();
  };
  const onPageHide = () => hooks.hidden?.();
  document.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', onPageHide);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', onPageHide);
  };
}
