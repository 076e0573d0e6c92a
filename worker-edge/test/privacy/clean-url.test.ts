import { describe, expect, it } from 'vitest';
import { cleanUrl, isOpaqueSegment, referrerHost } from '@privacy-analytics/core/privacy';

const NO_UTM = { source: null, medium: null, campaign: null, term: null, content: null };

describe('cleanUrl', () => {
  it('keeps allow-listed params and utm tags, records click ids, drops the rest', () => {
    const result = cleanUrl(
      'https://Shop.Example.COM/products/shoes?q=red&session=abc&utm_source=Newsletter&utm_medium=email&utm_campaign=bf-2026&gclid=Cj0KCQ&fbclid=IwAR&page=2#reviews',
      ['q', 'page'],
    );
    expect(result).toEqual({
      url: 'https://shop.example.com/products/shoes?q=red&utm_source=Newsletter&utm_medium=email&utm_campaign=bf-2026&page=2',
      host: 'shop.example.com',
      path: '/products/shoes',
      query: 'q=red&utm_source=Newsletter&utm_medium=email&utm_campaign=bf-2026&page=2',
      utm: { source: 'Newsletter', medium: 'email', campaign: 'bf-2026', term: null, content: null },
      clickIds: ['gclid', 'fbclid'],
      droppedParams: true,
      found: [],
    });
  });

  it('records every click-id parameter name without its value', () => {
    const ids = ['gclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'ttclid', 'li_fat_id', 'twclid', 'dclid'];
    const result = cleanUrl(`https://example.com/?${ids.map((id) => `${id}=secret-${id}`).join('&')}`, ids);
    expect(result.clickIds).toEqual(ids);
    expect(result.query).toBe('');
    expect(result.url).toBe('https://example.com/');
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('scrubs personal data in kept query values and utm fields', () => {
    const result = cleanUrl('https://example.com/search?q=jane.doe%40example.com&utm_term=call+13812345678', ['q']);
    expect(result.utm.term).toBe('call [phone]');
    expect(new URLSearchParams(result.query).get('q')).toBe('[email]');
    expect(result.found).toEqual(['email', 'phone']);
    expect(result.url).not.toContain('example.com&');
  });

  it('scrubs decoded path segments and keeps clean segments byte-for-byte', () => {
    const result = cleanUrl('https://example.com/u/jane%40x.com/orders/ORD-000123/caf%C3%A9', []);
    expect(result.path).toBe('/u/[email]/orders/ORD-000123/caf%C3%A9');
    expect(result.found).toEqual(['email']);

    expect(cleanUrl('https://example.com/users/13812345678/profile', []).path).toBe('/users/[phone]/profile');
    expect(cleanUrl('https://example.com/ip/10.0.0.1', []).path).toBe('/ip/[ip]');
    expect(cleanUrl('https://example.com/x/a%2Fjane@x.com', []).path).toBe('/x/a%2F[email]');
  });

  it('replaces path segments holding tokens and long ids with [token]', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLWJ5dGVz';
    const result = cleanUrl(`https://example.com/reset/${jwt}/confirm?page=2`, ['page']);
    expect(result).toMatchObject({ url: 'https://example.com/reset/[token]/confirm?page=2', path: '/reset/[token]/confirm', found: ['token'] });

    expect(cleanUrl('https://example.com/orders/123e4567-e89b-12d3-a456-426614174000/receipt', []).path).toBe('/orders/[token]/receipt');
    expect(cleanUrl('https://example.com/verify/d41d8cd98f00b204e9800998ecf8427e', []).path).toBe('/verify/[token]');
    expect(cleanUrl('https://example.com/s/aB3dE-fG5hI_jK7lM9nO0pQ2rS4tU6', []).path).toBe('/s/[token]');
    expect(cleanUrl('https://example.com/u/1234567890123456789/posts', []).path).toBe('/u/[token]/posts');
    expect(cleanUrl('/share/X9kQ2mZ7pL4vR8tN1wY6', []).path).toBe('/share/[token]');
    // encoded, and with a prefix: the whole segment goes
    expect(cleanUrl('https://example.com/magic/login%3Dk3J9x0Q2m8Z7w5V1pL4tR6yN', []).path).toBe('/magic/[token]');
  });

  it('keeps slugs, short ids and dates in paths', () => {
    const kept = [
      '/blog/how-to-use-analytics-2024',
      '/product/123',
      '/orders/ORD-000123',
      '/orders/ORD-20261123-000123',
      '/p/B08N5WRWNW',
      '/shop/iphone-15-pro-max-case',
      '/sale/Spring-Sale-2024-Women-Dresses-50-Off',
      '/docs/HowToUseAnalytics2024',
      '/archive/2024-11-23/index.html',
      '/assets/bundle.3f9a2b1c.js',
      '/settings/user_profile_settings_page',
      '/words/internationalization',
    ];
    for (const path of kept) expect(cleanUrl(`https://example.com${path}`, [])).toMatchObject({ path, found: [] });
  });

  it('states the opaque-segment rule at its edges', () => {
    expect(isOpaqueSegment('123456789012345')).toBe(false); // 15 digits
    expect(isOpaqueSegment('1234567890123456')).toBe(true); // 16 digits
    expect(isOpaqueSegment('iphone15promaxcase2024')).toBe(false); // 22 mixed, 3 switches
    expect(isOpaqueSegment('iphone15promaxcase2024ed')).toBe(true); // 24 letters and digits, mixed
    expect(isOpaqueSegment('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false); // letters only
    expect(isOpaqueSegment('k3j9x0q2m8z7w5v1')).toBe(true); // 16, switching at every pair
  });

  it('drops userinfo and fragment, keeps a non-default port, lower-cases the host', () => {
    const result = cleanUrl('HTTP://jane:hunter2@WWW.Example.com:8080/a?b=1#secret', []);
    expect(result.url).toBe('http://www.example.com:8080/a');
    expect(result.host).toBe('www.example.com');
    expect(result.droppedParams).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(/jane|hunter2|secret/);
  });

  it('replaces an IP-literal host', () => {
    expect(cleanUrl('http://192.168.1.20/admin', [])).toMatchObject({
      url: 'http://[ip]/admin',
      host: '[ip]',
      found: ['ip'],
    });
    expect(cleanUrl('http://[2001:db8::1]:8080/', []).host).toBe('[ip]');
  });

  it('accepts site-relative paths with a null host', () => {
    expect(cleanUrl('/p?x=1&y=2', ['x'])).toEqual({
      url: '/p?x=1',
      host: null,
      path: '/p',
      query: 'x=1',
      utm: NO_UTM,
      clickIds: [],
      droppedParams: true,
      found: [],
    });
  });

  it('treats protocol-relative URLs as https', () => {
    expect(cleanUrl('//cdn.example.com/a.js', []).url).toBe('https://cdn.example.com/a.js');
  });

  it('matches param names case-insensitively and takes the first non-empty utm value', () => {
    const result = cleanUrl('https://example.com/?UTM_SOURCE=&utm_source=google&utm_source=bing&Q=1', ['q']);
    expect(result.utm.source).toBe('google');
    expect(result.query).toBe('UTM_SOURCE=&utm_source=google&utm_source=bing&Q=1');
    expect(result.droppedParams).toBe(false);
  });

  it.each([
    '',
    '   ',
    'not a url',
    'example.com/path',
    'http://',
    'https://exa mple.com/',
    'javascript:alert(1)',
    'mailto:jane@example.com',
    'data:text/html,hi',
    'ftp://example.com/file',
    '/\\evil.com/path',
    'http://[::1',
    '\u0000\uFFFF',
  ])('returns nulls and never throws for %j', (raw) => {
    expect(cleanUrl(raw, ['q'])).toEqual({
      url: null,
      host: null,
      path: null,
      query: '',
      utm: NO_UTM,
      clickIds: [],
      droppedParams: false,
      found: [],
    });
  });

  it('survives malformed percent-encoding', () => {
    const result = cleanUrl('https://example.com/a%E0%A4%A/b?q=%E0%A4%A', ['q']);
    expect(result.path).toBe('/a%E0%A4%A/b');
    expect(result.host).toBe('example.com');
  });
});

describe('referrerHost', () => {
  it.each([
    ['https://www.google.co.uk/', 'google.co.uk'],
    ['https://l.facebook.com/l.php?u=x', 'l.facebook.com'],
    ['HTTPS://WWW.Example.COM:8443/path?q=1#x', 'example.com'],
    ['http://user:pw@www.example.org/', 'example.org'],
    ['https://t.co/abc', 't.co'],
    ['android-app://com.google.android.gm/', 'com.google.android.gm'],
    ['http://203.0.113.9/page', '[ip]'],
    ['http://[2001:db8::1]/', '[ip]'],
  ])('%s -> %s', (raw, host) => {
    expect(referrerHost(raw)).toBe(host);
  });

  it.each(['', 'google.com', '/relative', 'javascript:alert(1)', 'mailto:a@b.com', 'about:blank', 'file:///etc/passwd', 'https://'])(
    '%j -> null',
    (raw) => {
      expect(referrerHost(raw)).toBeNull();
    },
  );
});
