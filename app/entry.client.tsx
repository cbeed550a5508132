import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { loadPageMessages } from "#app/i18n/load-messages.client.ts";

/**
 * With single fetch, the first render of <RemixBrowser> suspends the whole root until the
 * page's turbo-stream state is decoded, and there is no Suspense boundary above it (it renders
 * <html>). A member typing or tapping in that moment (a slow phone: the first render is a task
 * away) makes React hydrate the root synchronously, meet the same suspension, and throw #345
 * ("Root did not complete"; remix-run/remix#10214). Calling RemixBrowser once before hydrating
 * starts that decoding and hands back the promise it throws: awaited, the first real render
 * no longer suspends. Remix 2.17's RemixBrowser throws this promise before touching any hook;
 * tests/e2e/hydration-race.test.ts fails if that ever changes.
 */
function decodeRemixState(): Promise<unknown> {
  try {
    (RemixBrowser as (props: object) => unknown)({});
  } catch (thrown) {
    if (thrown instanceof Promise) return thrown;
    throw thrown;
  }
  throw new Error("RemixBrowser rendered before its state was decoded: see entry.client.tsx");
}

// The page's catalog (one locale only) is loaded too, so hydration renders the text the server did.
Promise.all([loadPageMessages(), decodeRemixState()]).then(() => {
  startTransition(() => {
    hydrateRoot(
      document,
      <StrictMode>
        <RemixBrowser />
      </StrictMode>,
    );
  });
});
