import dgram from "node:dgram";
import fs from "node:fs";
import puppeteer, { type Browser, type LaunchOptions } from "puppeteer-core";

/**
 * Debian's Firefox ESR (installed by `scripts/bootstrap.mjs test`, or `apt-get install firefox-esr`),
 * driven by puppeteer-core over WebDriver BiDi, which a stock Firefox speaks (playwright's Firefox
 * needs its own patched build). No browser is ever downloaded.
 */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

/**
 * On top of puppeteer's own test profile (no updates, no safe browsing, no health report): fake
 * camera and microphone without a permission prompt, and nothing that reaches for the network,
 * which is closed here. ICE is left as users have it (see rtcListenIpForFirefox).
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  // Never fetch the OpenH264 plugin (the router offers VP8 only).
  "media.gmp-gmpopenh264.enabled": false,
  "media.gmp-gmpopenh264.autoupdate": false,
  "media.gmp-manager.url": "",
  "network.proxy.type": 0,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "app.update.auto": false,
  "app.update.enabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.unified": false,
  "toolkit.telemetry.archive.enabled": false,
  "toolkit.telemetry.server": "",
  "browser.ping-centre.telemetry": false,
  "browser.discovery.enabled": false,
  "extensions.blocklist.enabled": false,
  "browser.region.network.url": "",
  "browser.region.update.enabled": false,
  "intl.accept_languages": "vi-VN, vi",
};

export async function launchFirefox(opts: Omit<LaunchOptions, "executablePath" | "browser"> = {}): Promise<Browser> {
  if (!fs.existsSync(FIREFOX_PATH)) {
    throw new Error(
      `Firefox not found at ${FIREFOX_PATH}. Install Debian's package (apt-get install -y firefox-esr, ` +
        `or run \`node scripts/bootstrap.mjs test\`), or set FIREFOX_PATH; browsers are never downloaded.`,
    );
  }
  return puppeteer.launch({
    headless: true,
    ...opts,
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...opts.extraPrefsFirefox },
  });
}

/**
 * The address the media server's transports must listen on for Firefox to reach them. A page
 * that holds no camera or microphone permission (every viewer) gets one ICE host candidate from
 * Firefox: the address of the default route, never loopback (`media.peerconnection.ice.loopback`
 * does not change that), so the 127.0.0.1 the other live tests use is unreachable for it. This
 * is the machine's own default-route address, found the way Firefox finds it: a UDP socket
 * "connected" to a public address: the kernel picks the route, no packet is sent.
 */
export async function rtcListenIpForFirefox(): Promise<string> {
  const socket = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(53, "8.8.8.8", () => resolve());
    });
    return socket.address().address;
  } catch (e) {
    throw new Error(
      `No default IPv4 route on this machine (${(e as Error).message}). Firefox offers a viewer's ` +
        `WebRTC only its default-route address, so the Firefox live tests need one (any interface ` +
        `with a default route; the network itself may stay closed).`,
    );
  } finally {
    socket.close();
  }
}
