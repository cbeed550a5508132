import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { getSession, scopeOf } from "#app/auth/permissions.server.ts";
import { isNamedGrader } from "#app/reflections/graders.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { messagesOf, LOCALES, type Locale } from "#app/i18n/catalog.ts";
import { provideMessages, useT } from "#app/i18n/use-t.ts";
import { useNonce } from "#app/nonce.tsx";
import styles from "#app/styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Học Số" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // The server renders in either language; the browser loads only its page's catalog (entry.client.tsx).
  for (const l of LOCALES) provideMessages(l, messagesOf(l));
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const session = await getSession(request, context);
  const member = session?.member ?? null;
  const scope = member ? await scopeOf(context.db, member) : null;
  return {
    locale,
    user: member
      ? {
          id: member.id,
          fullName: member.fullName,
          role: member.role,
          canManage: !!scope && (scope.all || scope.roots.length > 0),
          canGrade: (!!scope && (scope.all || scope.roots.length > 0)) || await isNamedGrader(context.db, member.id),
        }
      : null,
  };
}

type RootData = Awaited<ReturnType<typeof loader>>;

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData("root") as RootData | undefined;
  const locale: Locale = data?.locale ?? "vi";
  const { t } = useT();
  const nonce = useNonce();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("nav.skip")}
        </a>
        <Header data={data} />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Header({ data }: { data: RootData | undefined }) {
  const { t, locale } = useT();
  const location = useLocation();
  const user = data?.user;
  const back = location.pathname + location.search;
  return (
    <header className="site-header">
      <a href="/" className="brand">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        <span>{t("app.name")}</span>
      </a>
      <nav aria-label={t("nav.home")} className="main-nav">
        {user ? (
          <>
            <NavLink to="/" end>
              {t("nav.home")}
            </NavLink>
            <NavLink to="/courses">{t("nav.courses")}</NavLink>
            <NavLink to="/live">{t("nav.live")}</NavLink>
            <NavLink to="/certificates">{t("nav.certificates")}</NavLink>
            {user.canGrade ? <NavLink to="/grading">{t("grading.nav")}</NavLink> : null}
            {user.canManage ? <NavLink to="/manage">{t("nav.manage")}</NavLink> : null}
            <NavLink to="/account">{t("nav.account")}</NavLink>
            <Form method="post" action="/logout" className="inline">
              <button type="submit" className="link-button">
                {t("nav.signOut")}
              </button>
            </Form>
          </>
        ) : (
          <NavLink to="/login">{t("nav.signIn")}</NavLink>
        )}
        {/* A whole new document: the browser holds only the current language's catalog. */}
        <Form method="post" action="/lang" className="inline lang-form" reloadDocument>
          <input type="hidden" name="redirectTo" value={back} />
          <button type="submit" name="lang" value={locale === "vi" ? "en" : "vi"} className="link-button" lang={locale === "vi" ? "en" : "vi"}>
            {locale === "vi" ? "English" : "Tiếng Việt"}
          </button>
        </Form>
      </nav>
    </header>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useT();
  let message = t("error.generic");
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) message = t("error.notFound");
    else if (error.status === 403) message = t("error.forbidden");
    else if (error.status === 400) message = t("error.badRequest");
  } else {
    console.error(error);
  }
  return (
    <section className="card narrow">
      <h1>{t("error.title")}</h1>
      <p>{message}</p>
      <p>
        <a href="/">{t("error.goHome")}</a>
      </p>
    </section>
  );
}
