import { isbot } from 'isbot';
// Default import on purpose: ua-parser-js 1.x is a UMD/CommonJS module whose named `UAParser` export
// is invisible to Vite's CJS interop (the Workers vitest pool), while the default works there and in wrangler.
import UAParser from 'ua-parser-js';
import { memoize } from './bounded-cache';

/**
 * Reduces a User-Agent string to coarse, low-entropy fields: browser name, browser MAJOR version,
 * OS name (no version) and a device class. Full version strings and device models are fingerprinting
 * material and are deliberately not returned.
 */

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

export interface ReducedUserAgent {
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  deviceType: DeviceType | null;
}

// ua-parser-js leaves device.type undefined for desktops; these are its other device classes.
const OTHER_DEVICE_TYPES = new Set(['console', 'smarttv', 'wearable', 'embedded', 'xr']);

export function reduceUserAgent(ua: string): ReducedUserAgent {
  return reduceCached(ua.trim());
}

const reduceCached = memoize(reduceUncached);

function reduceUncached(text: string): ReducedUserAgent {
  if (text === '') return { browser: null, browserVersion: null, os: null, deviceType: null };

  const result = new UAParser(text).getResult();
  const browser = nonEmpty(result.browser.name);
  const os = nonEmpty(result.os.name);
  return {
    browser,
    browserVersion: majorVersion(result.browser.major, result.browser.version),
    os,
    deviceType: deviceType(text, result.device.type, browser !== null || os !== null),
  };
}

function deviceType(ua: string, parsedType: string | undefined, recognised: boolean): DeviceType {
  if (isbot(ua)) return 'bot';
  if (parsedType === 'mobile') return 'mobile';
  if (parsedType === 'tablet') return 'tablet';
  if (parsedType !== undefined && OTHER_DEVICE_TYPES.has(parsedType)) return 'other';
  return recognised ? 'desktop' : 'other';
}

function majorVersion(major: string | undefined, version: string | undefined): string | null {
  const candidate = nonEmpty(major) ?? nonEmpty(version)?.split('.')[0] ?? null;
  return candidate !== null && /^\d+$/.test(candidate) ? candidate : null;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
