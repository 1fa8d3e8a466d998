// Page visibility and unload, in one place. `hidden` fires on visibilitychange → hidden and on
// pagehide (a closed tab, a navigation, a page entering the back/forward cache): the last moments
// the page can act before it may be frozen or gone. `visible` fires when the page is shown again;
// `interacted` on a click, tap or key press (audio that autoplay rules held back may start then).
export interface PageHooks {
  hidden?: () => void;
  visible?: () => void;
  interacted?: () => void;
}

/** Subscribes; returns the unsubscribe function. A no-op outside a page (Node, workers). */
export function watchPage(hooks: PageHooks): () => void {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return () => undefined;
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') hooks.hidden?.();
    else hooks.visible?.();
  };
  const onPageHide = () => hooks.hidden?.();
  const onGesture = () => hooks.interacted?.();
  document.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', onPageHide);
  addEventListener('pointerdown', onGesture, { capture: true, passive: true });
  addEventListener('keydown', onGesture, { capture: true, passive: true });
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', onPageHide);
    removeEventListener('pointerdown', onGesture, { capture: true });
    removeEventListener('keydown', onGesture, { capture: true });
  };
}
