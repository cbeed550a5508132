#!/usr/bin/env node
// Makes sure a working `mediasoup-worker` binary exists and says where it is.
//
// Plain Node ESM with no npm dependency: the bootstrap may run it before anything
// else is installed. See docs/mediasoup-worker.md (operator notes) and
// docs/decisions/0003-mediasoup-3-12-16-offline-worker.md (why).
//
// Order of attempts in ensureMediasoupWorker():
//   1. an existing executable named by MEDIASOUP_WORKER_BIN;
//   2. the binary cached by an earlier run (outside the checkout, keyed by the
//      mediasoup version and the Debian library versions);
//   3. mediasoup's own prebuilt binary from its GitHub release (short timeout);
//   4. a build from the worker sources against Debian 12's system libraries
//      (local meson subprojects that wrap the system libs; no download).
//
// CLI:  node scripts/mediasoup-worker.mjs [--rebuild] [--no-prebuilt] [--print-cache-path] [--quiet]
//   prints the absolute path of the worker on stdout (progress goes to stderr).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages whose -dev headers/libraries the worker is built against (and that key the cache). */
export const DEBIAN_LIBRARY_PACKAGES = Object.freeze([
  'libuv1-dev',
  'libssl-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'nlohmann-json3-dev',
]);

/** Tools needed for the source build, on top of the libraries. */
const DEBIAN_TOOL_PACKAGES = ['build-essential', 'ninja-build', 'pkg-config', 'python3'];

const MIN_MESON = [1, 1, 0];
const PREBUILT_TIMEOUT_MS = Number(process.env.HOCSO_MEDIASOUP_PREBUILT_TIMEOUT_MS) || 10_000;
const LOCK_WAIT_MS = 45 * 60_000;
const LOCK_STALE_MS = 2 * 60 * 60_000;

// ---------------------------------------------------------------------------
// Paths and keys
// ---------------------------------------------------------------------------

/** Root of this project's cache: $HOCSO_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/hoc-so. */
export function cacheRoot() {
  if (process.env.HOCSO_CACHE_DIR) return path.resolve(process.env.HOCSO_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'hoc-so');
}

function mediasoupPackageDir() {
  try {
    const req = createRequire(path.join(REPO_ROOT, 'package.json'));
    return path.dirname(req.resolve('mediasoup/package.json'));
  } catch {
    const dir = path.join(REPO_ROOT, 'node_modules', 'mediasoup');
    return fs.existsSync(path.join(dir, 'package.json')) ? dir : null;
  }
}

/** The mediasoup version: the installed package's, else the pin in package.json. */
export function mediasoupVersion() {
  const dir = mediasoupPackageDir();
  if (dir) return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const spec = pkg.dependencies?.mediasoup ?? pkg.devDependencies?.mediasoup;
  const m = /(\d+\.\d+\.\d+)/.exec(spec ?? '');
  if (!m) throw new Error('mediasoup is neither installed nor pinned in package.json');
  return m[1];
}

/** Installed versions of Debian packages: { name: version | null }. Never throws. */
export function debianPackageVersions(names = DEBIAN_LIBRARY_PACKAGES) {
  const out = Object.fromEntries(names.map((n) => [n, null]));
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Abbrev}\t${Version}\n', ...names], {
    encoding: 'utf8',
  });
  if (r.error) return out; // not a Debian system
  for (const line of (r.stdout ?? '').split('\n')) {
    const [name, status, version] = line.split('\t');
    const bare = name?.split(':')[0];
    if (bare in out && status?.startsWith('ii') && version) out[bare] = version;
  }
  return out;
}

/**
 * Absolute path of the cached worker binary (which may not exist yet):
 * <cacheRoot>/mediasoup-worker/<mediasoup version>-<hash of platform, arch and
 * the dpkg versions of DEBIAN_LIBRARY_PACKAGES>/mediasoup-worker
 */
export function workerCachePath() {
  const versions = debianPackageVersions();
  const keyText = [
    `${process.platform}-${process.arch}`,
    ...Object.keys(versions)
      .sort()
      .map((n) => `${n}=${versions[n] ?? 'none'}`),
  ].join('\n');
  const hash = createHash('sha256').update(keyText).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), 'mediasoup-worker', `${mediasoupVersion()}-${hash}`, 'mediasoup-worker');
}

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

/**
 * Checks that `bin` is an executable mediasoup-worker that runs on this host:
 * ldd finds every shared library, and run without MEDIASOUP_VERSION it exits
 * with mediasoup's own code 41 ("you don't seem to be my real father").
 * Returns { ok: true } or { ok: false, reason }.
 */
export function verifyWorkerBinary(bin) {
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    if (!fs.statSync(bin).isFile()) return { ok: false, reason: `${bin} is not a file` };
  } catch {
    return { ok: false, reason: `${bin} does not exist or is not executable` };
  }
  const ldd = spawnSync('ldd', [bin], { encoding: 'utf8', timeout: 10_000 });
  if (!ldd.error) {
    const missing = `${ldd.stdout}`.split('\n').filter((l) => l.includes('not found'));
    if (missing.length) {
      return { ok: false, reason: `missing shared libraries: ${missing.map((l) => l.trim()).join('; ')}` };
    }
  }
  const run = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });
  if (run.error) return { ok: false, reason: `cannot run ${bin}: ${run.error.message}` };
  if (run.status !== 41) {
    return { ok: false, reason: `${bin} exited with ${run.status ?? run.signal}, expected 41 (not a mediasoup-worker?)` };
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Main entry
// ---------------------------------------------------------------------------

/**
 * Returns the absolute path of a working mediasoup-worker binary, building it if needed.
 * @param {{ log?: (msg: string) => void, rebuild?: boolean, prebuilt?: boolean }} [options]
 *   rebuild: ignore MEDIASOUP_WORKER_BIN and the cache (env HOCSO_MEDIASOUP_REBUILD=1 does the same);
 *   prebuilt: false skips mediasoup's prebuilt download (env MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1 too).
 * @returns {Promise<string>}
 */
export async function ensureMediasoupWorker({
  log = console.log,
  rebuild = process.env.HOCSO_MEDIASOUP_REBUILD === '1',
  prebuilt = !process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD,
} = {}) {
  const say = (msg) => log(`[mediasoup-worker] ${msg}`);

  // 1. An explicit binary.
  const envBin = process.env.MEDIASOUP_WORKER_BIN;
  if (envBin && !rebuild) {
    const abs = path.resolve(envBin);
    if (fs.existsSync(abs)) {
      const v = verifyWorkerBinary(abs);
      if (v.ok) return abs;
      say(`MEDIASOUP_WORKER_BIN=${envBin} is not usable (${v.reason}); looking elsewhere`);
    } else {
      say(`MEDIASOUP_WORKER_BIN=${envBin} does not exist (yet); looking elsewhere`);
    }
  }

  // 2. The cache.
  let target = workerCachePath();
  if (!rebuild && usableCached(target, say)) return target;

  const lockPath = path.join(cacheRoot(), 'mediasoup-worker', '.build.lock');
  let release;
  try {
    release = await acquireLock(lockPath, say);
  } catch (e) {
    if (['EACCES', 'EPERM', 'EROFS'].includes(e.code)) {
      throw new Error(`cannot write the worker cache under ${cacheRoot()} (${e.code}); set HOCSO_CACHE_DIR to a writable directory`);
    }
    throw e;
  }
  try {
    // Someone else may have finished while we waited.
    target = workerCachePath();
    if (!rebuild && usableCached(target, say)) return target;

    // 3. mediasoup's prebuilt binary.
    if (prebuilt) {
      const got = await tryPrebuilt(target, say);
      if (got) return got;
    } else {
      say('prebuilt download skipped');
    }

    // 4. Build from source against the system libraries.
    return await buildFromSource({ say, rebuild });
  } finally {
    release();
  }
}

function usableCached(target, say) {
  if (!fs.existsSync(target)) return false;
  const v = verifyWorkerBinary(target);
  if (v.ok) return true;
  say(`cached worker ${target} is broken (${v.reason}); removing it`);
  fs.rmSync(target, { force: true });
  return false;
}

// ---------------------------------------------------------------------------
// Lock (so two concurrent calls do not build twice)
// ---------------------------------------------------------------------------

function readLock(lockPath) {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8'));
  } catch {
    return null;
  }
}

function lockIsStale(lockPath) {
  const info = readLock(lockPath);
  let age = 0;
  try {
    age = Date.now() - fs.statSync(lockPath).mtimeMs;
  } catch {
    return false; // gone already
  }
  if (!info) return age > 10_000; // half-written or garbage
  if (age > LOCK_STALE_MS) return true;
  if (info.host !== os.hostname()) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (e) {
    return e.code === 'ESRCH';
  }
}

/** Creates the lock file atomically; false if it already exists. */
function tryCreateLock(lockPath) {
  const content = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
  // Write the owner first, then hard-link it into place: link() fails with
  // EEXIST if the lock is held, and the lock file is never seen half-written.
  const mine = `${lockPath}.${process.pid}`;
  fs.writeFileSync(mine, content);
  try {
    fs.linkSync(mine, lockPath);
    return true;
  } catch (e) {
    if (e.code === 'EEXIST') return false;
    if (e.code !== 'EPERM' && e.code !== 'ENOTSUP' && e.code !== 'EOPNOTSUPP') throw e;
  } finally {
    fs.rmSync(mine, { force: true });
  }
  // A filesystem without hard links: exclusive create.
  try {
    const fd = fs.openSync(lockPath, 'wx');
    fs.writeSync(fd, content);
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if (e.code === 'EEXIST') return false;
    throw e;
  }
}

async function acquireLock(lockPath, say) {
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const started = Date.now();
  let announced = false;
  for (;;) {
    if (tryCreateLock(lockPath)) break;
    if (lockIsStale(lockPath)) {
      say(`removing stale lock ${lockPath}`);
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      const info = readLock(lockPath);
      say(`waiting for another install of the worker (pid ${info?.pid ?? 'unknown'}, lock ${lockPath})`);
      announced = true;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new Error(`timed out waiting for ${lockPath}; remove it if no other install is running`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }

  const onExit = () => {
    if (readLock(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
  };
  const onSignal = (sig) => {
    onExit();
    cleanupOnSignal();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    onExit();
  };
}

// Temp dirs and children to clean up if we are interrupted mid-build.
const pendingCleanup = new Set();
function cleanupOnSignal() {
  // Newest first: stop the child processes before removing their directories.
  for (const fn of [...pendingCleanup].reverse()) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
}

function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const rm = () => fs.rmSync(dir, { recursive: true, force: true });
  pendingCleanup.add(rm);
  return {
    dir,
    remove() {
      pendingCleanup.delete(rm);
      rm();
    },
  };
}

/** Copies `src` into the cache at `target` atomically (tmp file + rename) and writes build-info.json. */
function installIntoCache(src, target, info) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  fs.copyFileSync(src, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, target);
  const infoPath = path.join(path.dirname(target), 'build-info.json');
  const infoTmp = `${infoPath}.tmp-${process.pid}`;
  fs.writeFileSync(infoTmp, `${JSON.stringify(info, null, 2)}\n`);
  fs.renameSync(infoTmp, infoPath);
}

// ---------------------------------------------------------------------------
// 3. mediasoup's prebuilt worker
// ---------------------------------------------------------------------------
//
// This follows mediasoup's npm-scripts.mjs `downloadPrebuiltWorker()` (same URL,
// same MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL override, same exit-41 check)
// instead of running `node npm-scripts.mjs postinstall`, because that task
// cannot be told to only download: when the download fails it falls through to
// `make -C worker`, which pip-installs a pinned meson and fetches every
// subproject from GitHub/wrapdb (slow failure offline), and it writes into
// node_modules/mediasoup in place. It also needs node-fetch and tar from
// node_modules, which may not be installed yet when this script runs.

async function tryPrebuilt(target, say) {
  const version = mediasoupVersion();
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL || 'https://github.com/versatica/mediasoup/releases/download';
  const url = `${base}/${version}/mediasoup-worker-${version}-${os.platform()}-${os.arch()}.tgz`;
  say(`phase prebuilt: trying ${url} (timeout ${PREBUILT_TIMEOUT_MS} ms)`);
  const tmp = makeTempDir('hocso-ms-prebuilt-');
  try {
    let res;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), PREBUILT_TIMEOUT_MS);
    try {
      res = await fetch(url, { signal: ac.signal });
      if (!res.ok) {
        say(`prebuilt not available (HTTP ${res.status}); will build from source`);
        return null;
      }
      // The body gets a longer allowance than the connection: it is a few MB.
      clearTimeout(timer);
      const bodyTimer = setTimeout(() => ac.abort(), 10 * PREBUILT_TIMEOUT_MS + 60_000);
      try {
        fs.writeFileSync(path.join(tmp.dir, 'worker.tgz'), Buffer.from(await res.arrayBuffer()));
      } finally {
        clearTimeout(bodyTimer);
      }
    } catch (e) {
      const why = e.name === 'AbortError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
      say(`prebuilt download failed (${why}); will build from source`);
      return null;
    } finally {
      clearTimeout(timer);
    }
    const x = spawnSync('tar', ['-xzf', 'worker.tgz'], { cwd: tmp.dir, encoding: 'utf8' });
    const bin = path.join(tmp.dir, 'mediasoup-worker');
    if (x.status !== 0 || !fs.existsSync(bin)) {
      say(`prebuilt archive unusable (${(x.stderr || 'no mediasoup-worker inside').trim()}); will build from source`);
      return null;
    }
    fs.chmodSync(bin, 0o755);
    const v = verifyWorkerBinary(bin);
    if (!v.ok) {
      say(`prebuilt worker does not run on this host (${v.reason}); will build from source`);
      return null;
    }
    installIntoCache(bin, target, { source: 'prebuilt', url, mediasoup: version, at: new Date().toISOString() });
    say(`prebuilt worker installed at ${target}`);
    return target;
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------
// 4. Build from source against Debian's libraries
// ---------------------------------------------------------------------------

// Local meson subprojects that stand in for the .wrap files (which would
// download sources). Each exports the variables the worker's meson.build and
// deps/libwebrtc/meson.build read; the *_lib variables only feed link_whole
// for the Rust static library and are empty here. Subprojects that get
// default_options need a meson_options.txt declaring them.
const SUBPROJECTS = {
  openssl: {
    build: `project('openssl', 'c')
openssl_dep = dependency('openssl', version: '>= 1.1.1')
libcrypto_dep = dependency('libcrypto')
libssl_dep = dependency('libssl')
libcrypto_lib = []
libssl_lib = []
`,
  },
  libuv: {
    build: `project('libuv', 'c')
libuv_dep = dependency('libuv', version: '>= 1.44')
libuv = []
`,
    options: `option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
`,
  },
  libsrtp2: {
    // Debian puts srtp.h in /usr/include/srtp2, which libsrtp2.pc does not add.
    build: `project('libsrtp2', 'c')
_srtp = dependency('libsrtp2', version: '>= 2.4')
_inc = _srtp.get_variable(pkgconfig: 'includedir', default_value: '/usr/include')
libsrtp2_dep = declare_dependency(dependencies: _srtp, compile_args: ['-I' + _inc / 'srtp2'])
libsrtp2 = []
`,
    options: `option('crypto-library', type: 'combo', choices: ['none', 'openssl', 'nss', 'mbedtls'], value: 'openssl')
option('crypto-library-kdf', type: 'feature', value: 'auto')
option('tests', type: 'feature', value: 'auto')
`,
  },
  usrsctp: {
    build: `project('usrsctp', 'c')
_dep = dependency('usrsctp', required: false)
if not _dep.found()
  _dep = meson.get_compiler('c').find_library('usrsctp', has_headers: ['usrsctp.h'])
endif
usrsctp_dep = _dep
usrsctp = []
`,
    options: `option('sctp_build_programs', type: 'boolean', value: false)
`,
  },
  'abseil-cpp': {
    build: `project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'),
  dependency('absl_flat_hash_set'),
  dependency('absl_btree'),
  dependency('absl_inlined_vector'),
  dependency('absl_memory'),
])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'),
  dependency('absl_variant'),
])
absl_container_lib = []
`,
  },
  nlohmann_json: {
    build: `project('nlohmann_json', 'cpp')
nlohmann_json_dep = dependency('nlohmann_json', version: '>= 3.10')
`,
  },
  // Only the worker's unit tests use catch2; the worker itself does not need it.
  catch2: {
    build: `project('catch2', 'cpp')
catch2_dep = dependency('catch2', required: false)
`,
  },
};

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasCommand(cmd) {
  return !spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status;
}

function aptLine(pkgs) {
  return `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/** Runs a command, streaming output to the log file; resolves with the exit code. */
async function run(cmd, args, { cwd, env, logFile, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = () => child.kill('SIGTERM');
    pendingCleanup.add(kill);
    const fd = logFile ? fs.openSync(logFile, 'a') : null;
    if (fd !== null) fs.writeSync(fd, `\n$ ${[cmd, ...args].join(' ')}\n`);
    let buf = '';
    const feed = (chunk) => {
      if (fd !== null) fs.writeSync(fd, chunk);
      if (!onLine) return;
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (e) => {
      pendingCleanup.delete(kill);
      if (fd !== null) fs.closeSync(fd);
      reject(e);
    });
    child.on('close', (code, signal) => {
      pendingCleanup.delete(kill);
      if (fd !== null) fs.closeSync(fd);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function ensureDebianPackages(pkgs, { say, logFile }) {
  if (!hasCommand('dpkg-query') || !hasCommand('apt-get')) {
    say('not a Debian-like system (no dpkg/apt-get): assuming the build tools and libraries are installed');
    return;
  }
  const have = debianPackageVersions(pkgs);
  const missing = pkgs.filter((p) => !have[p]);
  if (!missing.length) return;
  if (!isRoot()) {
    throw new Error(
      `mediasoup-worker must be built from source and these Debian packages are missing: ${missing.join(' ')}.\n` +
        `Install them as root, then run this again:\n  sudo ${aptLine(missing)}\n` +
        'Or point MEDIASOUP_WORKER_BIN at an existing mediasoup-worker binary.',
    );
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  // `apt-get update` only when the package lists do not know a package (or the install fails).
  const unknown = missing.filter(
    (p) => !/Candidate: (?!\(none\))/.test(spawnSync('apt-cache', ['policy', p], { encoding: 'utf8' }).stdout ?? ''),
  );
  let updated = false;
  if (unknown.length) {
    say(`phase packages: apt-get update (lists do not know ${unknown.join(' ')})`);
    if ((await run('apt-get', ['update'], { env, logFile })) !== 0) {
      throw new Error(`apt-get update failed; see ${logFile}\n${tail(logFile)}`);
    }
    updated = true;
  }
  say(`phase packages: ${aptLine(missing)}`);
  let code = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, logFile });
  if (code !== 0 && !updated) {
    say('apt-get install failed; running apt-get update and trying again');
    await run('apt-get', ['update'], { env, logFile });
    code = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, logFile });
  }
  if (code !== 0) throw new Error(`apt-get install failed; see ${logFile}\n${tail(logFile)}`);
}

function versionAtLeast(text, min) {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

function pythonWithPip() {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return py;
  }
  return null;
}

/** Returns a command prefix (argv) that runs meson >= 1.1, plus extra env. */
async function ensureMeson({ say, logFile }) {
  const sys = spawnSync('meson', ['--version'], { encoding: 'utf8' });
  if (!sys.error && sys.status === 0 && versionAtLeast(sys.stdout, MIN_MESON)) {
    return { argv: ['meson'], env: {}, version: sys.stdout.trim() };
  }
  // Debian 12's meson is 1.0.1; mediasoup 3.12 needs >= 1.1. Install one with pip
  // into the cache (not into any Python environment), once.
  const toolsDir = path.join(cacheRoot(), 'tools');
  const mesonDir = path.join(toolsDir, 'meson');
  const tryDir = (py) => {
    if (!fs.existsSync(path.join(mesonDir, 'mesonbuild'))) return null;
    const env = { PYTHONPATH: mesonDir, PYTHONDONTWRITEBYTECODE: '1' };
    const r = spawnSync(py, ['-c', 'import mesonbuild.coredata as c; print(c.version)'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    if (r.status === 0 && versionAtLeast(r.stdout, MIN_MESON)) {
      // pip's launcher script, run with this python (its shebang may name another one).
      const script = path.join(mesonDir, 'bin', 'meson');
      if (!fs.existsSync(script)) return null;
      return { argv: [py, script], env, version: r.stdout.trim() };
    }
    return null;
  };
  const py0 = hasCommand('python3') ? 'python3' : '/usr/bin/python3';
  const cached = tryDir(py0);
  if (cached) return cached;

  let py = pythonWithPip();
  if (!py) {
    await ensureDebianPackages(['python3-pip'], { say, logFile });
    py = pythonWithPip();
    if (!py) throw new Error('no python3 with pip available to install meson >= 1.1');
  }
  say(`phase meson: ${py} -m pip install --target ${mesonDir} "meson>=1.1"`);
  fs.mkdirSync(toolsDir, { recursive: true });
  for (const old of fs.readdirSync(toolsDir)) {
    if (old.startsWith('.meson-')) fs.rmSync(path.join(toolsDir, old), { recursive: true, force: true });
  }
  const staging = fs.mkdtempSync(path.join(toolsDir, '.meson-'));
  const dropStaging = () => fs.rmSync(staging, { recursive: true, force: true });
  pendingCleanup.add(dropStaging);
  const code = await run(py, ['-m', 'pip', 'install', '--no-input', '--retries', '2', '--target', staging, 'meson>=1.1'], {
    env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    logFile,
  });
  pendingCleanup.delete(dropStaging);
  if (code !== 0) {
    dropStaging();
    throw new Error(`pip could not install meson >= 1.1; see ${logFile}\n${tail(logFile)}`);
  }
  fs.rmSync(mesonDir, { recursive: true, force: true });
  fs.renameSync(staging, mesonDir);
  const got = tryDir(py);
  if (!got) throw new Error(`meson installed in ${mesonDir} does not run`);
  return got;
}

/** Worker sources: node_modules/mediasoup/worker, else the npm tarball (npm pack). */
async function workerSources({ say, tmpDir, logFile }) {
  const pkgDir = mediasoupPackageDir();
  if (pkgDir && fs.existsSync(path.join(pkgDir, 'worker', 'meson.build'))) return path.join(pkgDir, 'worker');
  const version = mediasoupVersion();
  say(`phase sources: mediasoup is not installed; npm pack mediasoup@${version}`);
  const code = await run('npm', ['pack', `mediasoup@${version}`, '--pack-destination', tmpDir, '--silent'], {
    cwd: tmpDir,
    logFile,
  });
  const tgz = fs.readdirSync(tmpDir).find((f) => f.endsWith('.tgz'));
  if (code !== 0 || !tgz) throw new Error(`npm pack mediasoup@${version} failed; see ${logFile}`);
  const x = spawnSync('tar', ['-xzf', tgz], { cwd: tmpDir, encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`cannot unpack ${tgz}: ${x.stderr}`);
  return path.join(tmpDir, 'package', 'worker');
}

async function buildFromSource({ say, rebuild }) {
  const t0 = Date.now();
  const version = mediasoupVersion();
  const logDir = path.join(cacheRoot(), 'mediasoup-worker');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'last-build.log');
  fs.writeFileSync(logFile, `mediasoup-worker ${version} build, ${new Date().toISOString()}\n`);
  say(`building mediasoup-worker ${version} from source against the system libraries (log: ${logFile})`);

  // Packages first: they decide the cache key.
  await ensureDebianPackages([...DEBIAN_TOOL_PACKAGES, ...DEBIAN_LIBRARY_PACKAGES], { say, logFile });
  const target = workerCachePath();
  if (!rebuild && usableCached(target, say)) return target;
  if (!hasCommand('ninja')) throw new Error(`ninja is not installed (Debian: ${aptLine(['ninja-build'])})`);
  const meson = await ensureMeson({ say, logFile });

  const tmp = makeTempDir('hocso-ms-build-');
  let ok = false;
  try {
    const src = await workerSources({ say, tmpDir: tmp.dir, logFile });
    say(`phase sources: copying ${src} to ${tmp.dir}/worker`);
    const work = path.join(tmp.dir, 'worker');
    fs.cpSync(src, work, {
      recursive: true,
      filter: (p) => {
        const rel = path.relative(src, p);
        return rel !== 'out' && rel !== 'prebuild' && !rel.startsWith(`out${path.sep}`);
      },
    });
    const subDir = path.join(work, 'subprojects');
    for (const f of fs.readdirSync(subDir)) {
      if (f.endsWith('.wrap') || f === 'packagecache') fs.rmSync(path.join(subDir, f), { recursive: true, force: true });
    }
    for (const [name, files] of Object.entries(SUBPROJECTS)) {
      const d = path.join(subDir, name);
      fs.rmSync(d, { recursive: true, force: true });
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'meson.build'), files.build);
      if (files.options) fs.writeFileSync(path.join(d, 'meson_options.txt'), files.options);
    }

    const buildDir = path.join(tmp.dir, 'build');
    say(`phase configure: meson ${meson.version} setup --buildtype release -Db_ndebug=true`);
    const [mcmd, ...margs] = meson.argv;
    let code = await run(
      mcmd,
      [...margs, 'setup', '--buildtype', 'release', '-Db_ndebug=true', '--wrap-mode=nodownload', buildDir, work],
      { cwd: work, env: meson.env, logFile },
    );
    if (code !== 0) throw new Error(`meson setup failed; see ${logFile}\n${tail(logFile)}`);

    say(`phase compile: ninja -C ${buildDir} mediasoup-worker (about 3 min on 2 cores)`);
    let lastShown = -1;
    const tc = Date.now();
    code = await run('ninja', ['-C', buildDir, 'mediasoup-worker'], {
      env: { NINJA_STATUS: '[%f/%t] ' },
      logFile,
      onLine: (line) => {
        const m = /^\[(\d+)\/(\d+)\]/.exec(line);
        if (!m) return;
        const pct = Math.floor((100 * Number(m[1])) / Number(m[2]));
        const bucket = Math.floor(pct / 10) * 10;
        if (bucket > lastShown) {
          lastShown = bucket;
          say(`compile ${String(pct).padStart(3)}% [${m[1]}/${m[2]}] ${Math.round((Date.now() - tc) / 1000)} s`);
        }
      },
    });
    if (code !== 0) throw new Error(`ninja failed; see ${logFile}\n${tail(logFile)}`);

    const built = path.join(buildDir, 'mediasoup-worker');
    say('phase verify: ldd and a dry run of the binary');
    const v = verifyWorkerBinary(built);
    if (!v.ok) throw new Error(`the built worker does not work: ${v.reason}`);

    const seconds = Math.round((Date.now() - t0) / 1000);
    installIntoCache(built, target, {
      source: 'built',
      mediasoup: version,
      debianPackages: debianPackageVersions(),
      meson: meson.version,
      seconds,
      host: os.hostname(),
      cores: os.availableParallelism?.() ?? os.cpus().length,
      at: new Date().toISOString(),
    });
    ok = true;
    say(`done in ${Math.floor(seconds / 60)} min ${seconds % 60} s: ${target}`);
    return target;
  } finally {
    if (ok || !process.env.HOCSO_KEEP_BUILD_DIR) tmp.remove();
    else say(`build dir kept (HOCSO_KEEP_BUILD_DIR): ${tmp.dir}`);
  }
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const args = new Set(process.argv.slice(2));
  if (args.has('--help') || args.has('-h')) {
    console.log(
      'usage: node scripts/mediasoup-worker.mjs [--rebuild] [--no-prebuilt] [--print-cache-path] [--quiet]\n' +
        'Prints the absolute path of a working mediasoup-worker (building and caching it if needed).',
    );
  } else if (args.has('--print-cache-path')) {
    console.log(workerCachePath());
  } else {
    const quiet = args.has('--quiet');
    ensureMediasoupWorker({
      log: quiet ? () => {} : (m) => console.error(m),
      ...(args.has('--rebuild') ? { rebuild: true } : {}),
      ...(args.has('--no-prebuilt') ? { prebuilt: false } : {}),
    }).then(
      (bin) => console.log(bin),
      (err) => {
        console.error(`[mediasoup-worker] ERROR: ${err.message}`);
        process.exitCode = 1;
      },
    );
  }
}
