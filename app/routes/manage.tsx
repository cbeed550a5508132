import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { requireManager } from "#app/auth/permissions.server.ts";

/** Every page under /manage is for administrators and trainers; each child checks its own scope. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireManager(request, context);
  return null;
}

export default function Manage() {
  return <Outlet />;
}
