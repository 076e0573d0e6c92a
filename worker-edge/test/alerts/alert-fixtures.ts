import { SINK_ORIGIN } from './webhook-sink.ts'; // loaded by vitest.config.ts, which Node imports as is

/** Sites of the alert and audience tests, one per test file or scenario so whole-site assertions hold. */
export const ALERT_TEST_SITES = {
  alerts: { mode: 'pseudonymous', alertWebhookUrls: [] },
  'alerts-listed': { mode: 'pseudonymous', alertWebhookUrls: ['https://hooks.example.com/allowed'] },
  'alerts-drop': { mode: 'pseudonymous' },
  'alerts-normal': { mode: 'pseudonymous' },
  'alerts-episodes': { mode: 'pseudonymous' },
  'alerts-new': { mode: 'pseudonymous' },
  'alerts-flush-lag': { mode: 'pseudonymous' },
  'alerts-campaign-drop': { mode: 'pseudonymous', conversionEvents: ['Order Completed'] },
  'alerts-campaign-normal': { mode: 'pseudonymous', conversionEvents: ['Order Completed'] },
  'alerts-manage': { mode: 'pseudonymous', conversionEvents: ['Order Completed'] },
  /** Ad-metric rules judged on imported ad reports (test/alerts/ad-metric-rules.test.ts). */
  'alerts-ads': { mode: 'pseudonymous' },
  /** Funnel-step rate rules on a replayed afternoon (test/alerts/funnel-rate-replay.test.ts). */
  'alerts-funnel-drop': { mode: 'pseudonymous' },
  'alerts-funnel-normal': { mode: 'pseudonymous' },
  counting: { mode: 'pseudonymous', conversionEvents: ['Order Completed', 'Signed Up'] },
  audience: {
    mode: 'pseudonymous',
    audienceWebhookUrls: [
      `${SINK_ORIGIN}/hooks/audience`,
      `${SINK_ORIGIN}/hooks/audience-flaky?fail=2`,
      `${SINK_ORIGIN}/hooks/audience-down?status=500`,
      `${SINK_ORIGIN}/hooks/audience-rejecting?status=400`,
      `${SINK_ORIGIN}/hooks/audience-throttled?fail=1&failStatus=429&retryAfter=600`,
      `${SINK_ORIGIN}/hooks/audience-restart?fail=1`,
      `${SINK_ORIGIN}/hooks/audience-large`,
    ],
  },
  'audience-none': { mode: 'pseudonymous' },
  /** Consent, frequency caps, purchase quiet days and holdouts (test/audience/consent-caps.test.ts). */
  'audience-consent': {
    mode: 'pseudonymous',
    audienceWebhookUrls: [`${SINK_ORIGIN}/hooks/audience-consent`, `${SINK_ORIGIN}/hooks/audience-consent-flaky?fail=1`, `${SINK_ORIGIN}/hooks/audience-consent-property`],
  },
  /** The ingest's analytics-consent gate (test/audience/analytics-consent.test.ts). */
  'consent-gate': { mode: 'pseudonymous' },
  /** Destinations allowed, but no webhookSecret: audience delivery is refused. */
  'audience-unsigned': { mode: 'pseudonymous', audienceWebhookUrls: [`${SINK_ORIGIN}/hooks/audience-unsigned`] },
};

const SITES_WITHOUT_WEBHOOK_SECRET = new Set(['audience-unsigned']);

export function alertSiteSecrets(site: string) {
  return {
    writeKeys: [`${site}-write-key`],
    viewerTokens: [`${site}-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`],
    readTokens: [`${site}-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`],
    adminTokens: [`${site}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`],
    hashKey: `test-hash-key-${site}-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`,
    ...(SITES_WITHOUT_WEBHOOK_SECRET.has(site) ? {} : { webhookSecret: `test-webhook-secret-${site}` }),
  };
}

export const ALERT_TEST_SITE_SECRETS = Object.fromEntries(Object.keys(ALERT_TEST_SITES).map((site) => [site, alertSiteSecrets(site)]));
