// Installs what is missing on a fresh machine: npm packages (from the lock file) and, for
// browser tests, Debian's Chromium. Plain Node with no dependencies, so it runs before `npm ci`.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const needBrowser = process.argv.includes('--browser');
const run = (command) => execSync(command, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

function npmPackagesStale() {
  if (!existsSync('node_modules/.package-lock.json')) return true;
  if (!existsSync('package-lock.json')) return false;
  return statSync('package-lock.json').mtimeMs > statSync('node_modules/.package-lock.json').mtimeMs + 1000;
}

if (npmPackagesStale()) {
  // `npm install`, not `npm ci`: the registry reachable here lacks some other platforms' optional
  // binaries (e.g. @duckdb/node-bindings-darwin-*), which `npm ci` refuses as an out-of-sync lock.
  // With the lock present, `npm install` still installs exactly the locked versions.
  console.log('[setup] installing npm packages (npm install, from package-lock.json)');
  run('npm install --no-audit --no-fund');
}

if (needBrowser && !existsSync('/usr/bin/chromium')) {
  console.log('[setup] installing Debian chromium for browser tests');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  run(`${sudo}apt-get update -qq`);
  run(`${sudo}apt-get install -y -qq chromium`);
}

const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 20) {
  console.error(`[setup] Node ${process.versions.node} is too old; Node 20.19 or newer is required`);
  process.exit(1);
}
