/**
 * A private network for one browser: a network namespace joined to the host by a veth pair, and
 * a Chromium wrapper that starts inside it. The browser reaches the host only through the veth,
 * so cutting the veth is a real network loss for it while playwright keeps driving it (it talks
 * to Chromium over a pipe, not over the network). Needs root and iproute2 (`ip`, `tc`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import type { Db } from "#db/client.server.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchBrowser } from "./browser.ts";
import { startLiveTestServers } from "./http.ts";
import { skipReasonOrFail } from "./requirement.ts";

const PREFIX = "hnl";

/** Why this machine cannot run network-namespace tests, or null when it can. */
export function netnsUnavailable(): string | null {
  return skipReasonOrFail(whyNetnsUnavailable());
}

function whyNetnsUnavailable(): string | null {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces need root (run the tests as root, as CI does)";
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return `\`ip netns\` is unavailable: ${r.error?.message ?? r.stderr.trim()}`;
  return null;
}

function ip(...args: string[]) {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function tc(ns: string | null, ...args: string[]) {
  return ns ? ip("netns", "exec", ns, "tc", ...args) : execFileSync("tc", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Removes what an earlier run left when its process was killed before its afterAll (the names
 * carry the owner's pid; deleting the namespace deletes its end of the veth and so the pair).
 */
function sweepStale() {
  for (const line of ip("netns", "list").split("\n")) {
    const m = new RegExp(`^(${PREFIX}(\\d+)n[a-z0-9]?)\\b`).exec(line.trim());
    if (m && !alive(Number(m[2]))) spawnSync("ip", ["netns", "del", m[1]]);
  }
  for (const line of ip("-o", "link", "show").split("\n")) {
    const m = new RegExp(`^\\d+: (${PREFIX}(\\d+)h[a-z0-9]?)@`).exec(line);
    if (m && !alive(Number(m[2]))) spawnSync("ip", ["link", "del", m[1]]);
  }
}

/** A /30 of 10.201.0.0/16 no interface on this host uses yet (picked from the pid, then the next). */
function freeSubnet(): { host: string; peer: string } {
  const used = ip("-o", "-4", "addr", "show");
  for (let i = 0; i < 16384; i++) {
    const n = (process.pid + i) % 16384;
    const base = `10.201.${n >> 6}.${(n & 63) << 2}`;
    const [a, b, c, d] = base.split(".").map(Number);
    const host = `${a}.${b}.${c}.${d + 1}`;
    const peer = `${a}.${b}.${c}.${d + 2}`;
    if (!used.includes(` ${host}/`) && !used.includes(` ${peer}/`)) return { host, peer };
  }
  throw new Error("no free /30 in 10.201.0.0/16");
}

export type NetNs = {
  name: string;
  /** The host's end of the veth: servers listen here and the namespace reaches them here. */
  hostIp: string;
  nsIp: string;
  /** An executable for playwright's executablePath: Chromium inside the namespace. */
  chromium: string;
  /** Every packet between the namespace and the host is dropped, both ways; links stay up. */
  cut(): void;
  restore(): void;
  /**
   * Limits the namespace's downlink (what the host sends it) to `kbit` kbit/s: a token bucket
   * filter on the host's end of the veth with a bucket of two frames, whose queue drops what
   * would wait longer than 300 ms, like a slow access link. The uplink (the viewer's RTCP
   * feedback) is left alone. Replaces an earlier limit; `cut()`/`restore()` replace and remove it
   * too. Gone with the veth on `destroy()`.
   */
  limit(kbit: number): void;
  /** Removes the limit (a no-op without one). */
  unlimit(): void;
  /** Idempotent; safe to call when setup failed half-way. */
  destroy(): void;
};

/**
 * `tag` (one letter or digit): several namespaces in one process, each its own. `forward`: the
 * host routes between this namespace and the others that forward too (servers in separate
 * namespaces reaching each other through the host), enabled on this veth's host end only, never
 * host-wide.
 */
export function createNetNs(opts: { tag?: string; forward?: boolean } = {}): NetNs {
  const tag = opts.tag ?? "";
  if (!/^[a-z0-9]?$/.test(tag)) throw new Error(`createNetNs: tag ${tag}`);
  sweepStale();
  const name = `${PREFIX}${process.pid}n${tag}`;
  const hostIf = `${PREFIX}${process.pid}h${tag}`;
  const nsIf = `${PREFIX}${process.pid}p${tag}`;
  const { host: hostIp, peer: nsIp } = freeSubnet();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-netns-"));
  const chromium = path.join(dir, "chromium-in-netns");
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    process.off("exit", destroy);
    spawnSync("ip", ["netns", "del", name]);
    // Gone with the namespace normally; this covers a failure between creating and moving it.
    spawnSync("ip", ["link", "del", hostIf]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A worker that dies without its afterAll still removes them.
  process.on("exit", destroy);
  try {
    ip("netns", "add", name);
    ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
    ip("link", "set", nsIf, "netns", name);
    ip("addr", "add", `${hostIp}/30`, "dev", hostIf);
    ip("link", "set", hostIf, "up");
    ip("netns", "exec", name, "ip", "addr", "add", `${nsIp}/30`, "dev", nsIf);
    ip("netns", "exec", name, "ip", "link", "set", nsIf, "up");
    ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
    ip("netns", "exec", name, "ip", "route", "add", "default", "via", hostIp);
    if (opts.forward) execFileSync("sysctl", ["-qw", `net.ipv4.conf.${hostIf}.forwarding=1`]);
    // `ip netns exec` keeps the descriptors playwright passes (its pipe is fds 3 and 4).
    fs.writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  } catch (e) {
    destroy();
    throw e;
  }
  // Every packet leaving either end is dropped (the blackhole qdisc; netem is often not built
  // into CI kernels): like a dead radio link, with no carrier change and no interface event for
  // Chromium or the kernel to react to.
  const lossOn = [
    [null, hostIf],
    [name, nsIf],
  ] as const;
  return {
    name,
    hostIp,
    nsIp,
    chromium,
    cut() {
      for (const [ns, dev] of lossOn) tc(ns, "qdisc", "replace", "dev", dev, "root", "blackhole");
    },
    restore() {
      for (const [ns, dev] of lossOn) tc(ns, "qdisc", "del", "dev", dev, "root");
    },
    // tbf, not netem (often not built into CI kernels, and not here) nor a policer (needs the
    // act_police action and a classifier, also missing here): tbf and htb are the shapers this
    // kernel has, and tbf needs no classes.
    limit(kbit: number) {
      if (!(kbit > 0)) throw new Error(`limit: ${kbit} kbit/s`);
      // A bucket of two full frames: packets leave at the link rate, as behind a real bottleneck.
      // A big bucket (tens of kB) lets a bandwidth probe's burst through at veth speed, and the
      // estimator then believes the link is several times faster than it is.
      tc(null, "qdisc", "replace", "dev", hostIf, "root", "tbf", "rate", `${Math.round(kbit)}kbit`, "burst", "3028", "latency", "300ms");
    },
    unlimit() {
      // Fails harmlessly when the root qdisc is already the default one.
      spawnSync("tc", ["qdisc", "del", "dev", hostIf, "root"]);
      const left = tc(null, "qdisc", "show", "dev", hostIf);
      if (/\bqdisc tbf\b/.test(left)) throw new Error(`unlimit: the limit is still there: ${left.trim()}`);
    },
    destroy,
  };
}

/** Debian's Chromium started inside the namespace (same flags as `launchBrowser`). */
export function launchBrowserIn(ns: NetNs, args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: ns.chromium, args: [...CHROMIUM_ARGS, ...args] });
}

export type NamespacedLive = {
  ns: NetNs;
  servers: Awaited<ReturnType<typeof startLiveTestServers>>;
  /** Chromium on the host (the presenter's, an unconstrained viewer's). */
  hostBrowser: Browser;
  /** Chromium inside the namespace: its only way out is the veth. */
  nsBrowser: Browser;
  /** Closes the contexts, both browsers and the servers, then removes the namespace (and any limit on it). */
  close(contexts: readonly BrowserContext[]): Promise<void>;
};

/**
 * A live session's world across a veth: the app and the media server's RTC ports listen on the
 * veth's host address, which the host's browser reaches over its own stack and the namespace's
 * over the veth (so a cut or a limit on the veth applies to that browser only).
 */
export async function startNamespacedLive(db: Db & { file: string }): Promise<NamespacedLive> {
  const ns = createNetNs();
  let servers: NamespacedLive["servers"] | undefined;
  let hostBrowser: Browser | undefined;
  try {
    servers = await startLiveTestServers(db, { host: ns.hostIp });
    // The pages are on a plain-http LAN origin. Chromium opens no camera there unless told, and
    // hides navigator.userAgentData, without which mediasoup-client cannot recognise headless
    // Chromium ("HeadlessChrome/…" fails its user-agent match; a desktop Chrome's passes).
    const secure = `--unsafely-treat-insecure-origin-as-secure=${servers.origin}`;
    hostBrowser = await launchBrowser({ args: [secure] });
    const nsBrowser = await launchBrowserIn(ns, [secure]);
    const started = { ns, servers, hostBrowser, nsBrowser };
    return {
      ...started,
      async close(contexts) {
        try {
          for (const c of contexts) await c.close().catch(() => {});
          await started.hostBrowser.close().catch(() => {});
          await started.nsBrowser.close().catch(() => {});
          await started.servers.close();
        } finally {
          started.ns.destroy();
        }
      },
    };
  } catch (e) {
    await hostBrowser?.close().catch(() => {});
    await servers?.close().catch(() => {});
    ns.destroy();
    throw e;
  }
}
