import { describe, expect, it } from 'vitest';
import { describeDestination, webhookUrlProblem, type WebhookPolicy } from '../../src/alerts/webhook-url';

const OPEN: WebhookPolicy = { allowLoopback: false, allowList: [], listRequired: false, listName: 'alertWebhookUrls' };

describe('webhook URL policy', () => {
  it('https anywhere; http only to loopback and only behind ALLOW_LOOPBACK_WEBHOOKS', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x?token=1', OPEN)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8788/hook', OPEN)).toBe('http://127.0.0.1:8788 is allowed only when ALLOW_LOOPBACK_WEBHOOKS is "true" (local development); use https');
    expect(webhookUrlProblem('http://127.0.0.1:8788/hook', { ...OPEN, allowLoopback: true })).toBeNull();
    expect(webhookUrlProblem('http://localhost/hook', { ...OPEN, allowLoopback: true })).toBeNull();
    expect(webhookUrlProblem('http://10.0.0.1/hook', { ...OPEN, allowLoopback: true })).toBe('must use https, got http://10.0.0.1');
    expect(webhookUrlProblem('javascript:alert(1)', OPEN)).toBe('must use https, got javascript:');
  });

  it('an allow-list admits exact URLs only; a required list must exist', () => {
    const listed = { ...OPEN, allowList: ['https://hooks.example.com/a?key=1'] };
    expect(webhookUrlProblem('https://HOOKS.example.com/a?key=1', listed)).toBeNull();
    expect(webhookUrlProblem('https://hooks.example.com/a?key=2', listed)).toBe("https://hooks.example.com/a is not one of this site's alertWebhookUrls (configured in SITES)");
    expect(webhookUrlProblem('https://hooks.example.com/a', { ...OPEN, listRequired: true, listName: 'audienceWebhookUrls' })).toBe('this site has no audienceWebhookUrls configured in SITES');
  });

  it('logs the destination without its query string or secret-looking path segments', () => {
    expect(describeDestination('https://hooks.example.com/a/b?token=secret#x')).toBe('https://hooks.example.com/a/b');
    expect(describeDestination('https://hooks.slack.com/services/T00000000/B00000000/4fYq2Lx9Rt7Bn0Ws3Kd8Hj1M')).toBe('https://hooks.slack.com/services/T00000000/B00000000/…');
    expect(describeDestination('https://crm.example.com/hooks/audience-exports-march')).toBe('https://crm.example.com/hooks/audience-exports-march');
    expect(describeDestination('https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz-ABCDEFG')).toBe('https://discord.com/api/webhooks/…/…');
  });

  it('refuses IP literals and private names over https unless that exact URL is allow-listed', () => {
    for (const url of [
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://172.20.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1/hook',
      'https://8.8.8.8/hook',
      'https://[::1]/hook',
      'https://[fd00::1]/hook',
      'https://2130706433/hook',
      'https://localhost/hook',
      'https://api.localhost/hook',
      'https://intranet/hook',
      'https://crm.corp/hook',
      'https://metadata.google.internal/computeMetadata',
      'https://printer.local/hook',
    ]) {
      expect(webhookUrlProblem(url, OPEN), url).toMatch(/points at .* allowed only when the exact URL is in this site's alertWebhookUrls/);
    }
    expect(webhookUrlProblem('https://10.1.2.3/hook', { ...OPEN, allowList: ['https://10.1.2.3/hook'] })).toBeNull();
    expect(webhookUrlProblem('https://hooks.internal-tools.example.com/x', OPEN)).toBeNull();
  });
});
