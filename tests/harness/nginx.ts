/**
 * nginx 1.22 running the tested site file (docs/deployment/nginx-hocso.conf) for real: TLS with a
 * self-signed certificate, the placeholders filled in, one `server` line per app process in the
 * upstream. Used by the reverse-proxy test (one app) and the two-process test (two apps on one
 * PostgreSQL database).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./media.ts";

const root = path.resolve(import.meta.dirname, "..", "..");

export type Nginx = { origin: string; port: number; dir: string; stop(): Promise<void> };

/**
 * `apps`: the app processes' `host:port`, each one `server` line of the upstream (with the site
 * file's own parameters). `http`: extra directives for the test's http block (headers to observe).
 */
export async function startNginx(opts: { apps: string[]; http?: string }): Promise<Nginx> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-nginx-"));
  // nginx's workers (user nobody) spool large request bodies into client_body_temp_path under it.
  fs.chmodSync(tmp, 0o755);
  const cert = path.join(tmp, "cert.pem");
  const key = path.join(tmp, "key.pem");
  const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], { encoding: "utf8" });
  if (ssl.status !== 0) throw new Error(`openssl failed: ${ssl.stderr}`);
  const port = await freePort();
  const site = fs.readFileSync(path.join(root, "docs", "deployment", "nginx-hocso.conf"), "utf8");
  const serverLine = site.split("\n").find((l) => l.includes("server __APP__"));
  if (!serverLine) throw new Error("nginx-hocso.conf has no `server __APP__` line in its upstream");
  const filled = site
    .replace(serverLine, opts.apps.map((a) => serverLine.replace("__APP__", a)).join("\n"))
    .replace("__LISTEN__", `127.0.0.1:${port}`)
    .replace("__SERVER_NAME__", "127.0.0.1")
    .replace("__CERT__", cert)
    .replace("__KEY__", key);
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((d) => `${d}_temp_path ${path.join(tmp, d)};`).join("\n  ");
  fs.writeFileSync(
    path.join(tmp, "nginx.conf"),
    `worker_processes 1;\ndaemon off;\npid ${path.join(tmp, "nginx.pid")};\nerror_log ${path.join(tmp, "error.log")} warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  ${temps}\n  ${opts.http ?? ""}\n${filled}\n}\n`,
  );
  const nginx: ChildProcess = spawn("nginx", ["-p", tmp, "-c", path.join(tmp, "nginx.conf")], { stdio: "ignore" });
  const exited = new Promise<void>((r) => nginx.once("exit", () => r()));
  await waitForPort(port, () => (nginx.exitCode !== null ? readLog(tmp) : null));
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    dir: tmp,
    async stop() {
      if (nginx.exitCode === null && nginx.signalCode === null) nginx.kill("SIGTERM");
      await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

const readLog = (dir: string) => {
  const f = path.join(dir, "error.log");
  return `nginx exited: ${fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "(no error log)"}`;
};

async function waitForPort(port: number, failed: () => string | null) {
  for (let i = 0; i < 100; i++) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

export type HttpsResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One request over HTTPS to the test's self-signed nginx, on a fresh connection. */
export function httpsRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<HttpsResponse>((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? "GET", headers: opts.headers, rejectUnauthorized: false, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
