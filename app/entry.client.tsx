import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { loadPageMessages } from "#app/i18n/load-messages.client.ts";

// Remix's default entry, except that the page's catalog (one locale only) is loaded first, so
// hydration renders the same text the server did.
loadPageMessages().then(() => {
  startTransition(() => {
    hydrateRoot(
      document,
      <StrictMode>
        <RemixBrowser />
      </StrictMode>,
    );
  });
});
