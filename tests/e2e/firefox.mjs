// Debian's Firefox ESR (153+, Local Network Access on by default), headless,
// driven through WebDriver BiDi by puppeteer-core. Firefox is started here
// (not by puppeteer.launch) so that its own output is kept: with
// browser.policies.loglevel=debug it says which policies.json it read.
//
// A page of a startPublicRecordServer() server counts as public for Firefox
// with three preferences of a fresh profile (Firefox 153 source, netwerk/):
//   network.dns.localDomains   the host name resolves to 127.0.0.1 (no DNS)
//   network.socket.forcePort   "443=PORT": connections to port 443 go to the
//                              record server's random port, so the page's
//                              origin is exactly https://HOST
//   network.lna.address_space.public.override
//                              "127.0.0.1:PORT": that address and port (the
//                              one really connected to, after forcePort) is
//                              in the public address space; exact "IP:port"
//                              strings, comma-separated (nsIOService::
//                              GetOverridenIpAddressSpace)
// and WebDriver's acceptInsecureCerts for the throw-away certificate.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Browser, createProfile } from '@puppeteer/browsers';
import puppeteer from 'puppeteer-core';

import { Child } from './harness.mjs';

export const firefoxPath = () => process.env.FIREFOX ?? '/usr/bin/firefox-esr';

// Where Firefox on Linux reads enterprise policies (before the
// installation's distribution/policies.json), and where
// `hcbridge browser-policy --browser firefox --write` merges its SkipDomains.
export const FIREFOX_POLICY_FILE = '/etc/firefox/policies/policies.json';

// Preferences that map `server` (startPublicRecordServer) to its public
// origin. public: false leaves its address in the loopback space, for a
// control run of the same page and mapping.
export function publicServerPrefs(server, { public: isPublic = true } = {}) {
  const defaultPort = server.scheme === 'https' ? 443 : 80;
  return {
    'network.dns.localDomains': server.host,
    'network.socket.forcePort': `${defaultPort}=${server.port}`,
    // The record server listens on 127.0.0.1 and ::1: one address, one override.
    'network.dns.disableIPv6': true,
    ...(isPublic ? { 'network.lna.address_space.public.override': `127.0.0.1:${server.port}` } : {}),
  };
}

// Headless Firefox with a fresh profile. Resolves { browser (puppeteer),
// process (its output in .output), close() }.
export async function launchFirefox({ publicServer, isPublic = true, prefs = {} } = {}) {
  const executable = firefoxPath();
  if (!existsSync(executable)) {
    throw new Error(`no Firefox at ${executable}: apt-get install firefox-esr (scripts/install-deps.sh does), ` +
      'or set FIREFOX (cmake -DHCBRIDGE_FIREFOX=...)');
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), 'hcbridge-e2e-firefox-'));
  await createProfile(Browser.FIREFOX, {
    path: profile,
    preferences: {
      // As puppeteer.launch: one content process (BiDi input dispatch).
      'fission.webContentIsolationStrategy': 0,
      // The policy engine logs the policies.json it read (and any error).
      'browser.policies.loglevel': 'debug',
      ...(publicServer ? publicServerPrefs(publicServer, { public: isPublic }) : {}),
      ...prefs,
    },
  });
  const firefox = new Child('firefox', executable,
    ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'],
    { env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
  let browser;
  try {
    const [, endpoint] = await firefox.waitFor(/WebDriver BiDi listening on (ws:\/\/\S+)/, 30000);
    browser = await puppeteer.connect({
      browserWSEndpoint: `${endpoint}/session`, protocol: 'webDriverBiDi', acceptInsecureCerts: true,
      defaultViewport: { width: 1100, height: 800 },
    });
  } catch (error) {
    await firefox.stop();
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    process: firefox,
    async close() {
      await browser.close().catch(() => {});
      await firefox.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
