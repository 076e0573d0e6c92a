/**
 * The edge's refusals as sentences a person can act on: the edge answers `{"error": "<code>", "message": "…", …details}`
 * (worker-edge/src/http/http-error.ts) and the dashboard shows the sentence for the code, never "HTTP 409".
 */
import { EdgeRequestError } from '../engine/errors';

const ROLE_WORDS: Record<string, string> = { viewer: 'a viewer', analyst: 'an analyst', admin: 'an admin' };

type Details = Record<string, unknown>;

const SENTENCES: Record<string, (d: Details) => string> = {
  missing_token: () => 'No token was sent. Connect again with a token.',
  malformed_token: () => 'The token is not well formed; copy it again, whole.',
  invalid_token: () => 'The edge does not know this token. Check that it was copied whole and is for this collector.',
  revoked_token: () => 'This token was revoked. Ask an admin for a new one.',
  expired_token: () => 'This token has expired. Ask an admin for a new one.',
  wrong_site: () => 'This token belongs to another site.',
  write_key_not_allowed: () => 'This is a write key, which only sends events; reading and administration need a token.',
  insufficient_role: (d) => `This needs ${ROLE_WORDS[String(d.required)] ?? 'another'} token; the connected token is ${ROLE_WORDS[String(d.role)] ?? 'of a lower role'} token.`,
  too_many_tokens: () => 'The site has as many active tokens as allowed. Revoke tokens that are no longer used first.',
  token_not_active: () => 'This token is no longer active (revoked or expired): issue a new one instead.',
  config_token: () => 'This token comes from the SITE_SECRETS configuration: remove it there (wrangler secret put SITE_SECRETS) to revoke it.',
  invalid_token_id: () => 'That is not a token id (16 hexadecimal characters).',
  invalid_request_id: () => 'That is not an erasure request id (16 hexadecimal characters).',
  confirmation_required: (d) => `Shortening retention deletes every day before ${String(d.cutoff ?? 'the new cutoff')} within minutes. Tick "I understand data will be deleted" to go ahead.`,
  below_retention_floor: (d) => `That is below this site's retention floor of ${String(d.floorDays ?? '?')} days (records are kept at least that long). To go below it anyway, tick "Override the floor" and give a reason; the override is recorded in the audit log.`,
  override_reason_required: (d) => `Going below the retention floor of ${String(d.floorDays ?? '?')} days needs a reason, which is recorded in the audit log.`,
  not_found: () => 'The edge has no such item (it may have been removed meanwhile).',
  invalid_body: (d) => `The edge did not accept the form: ${String(d.message ?? 'invalid input')}`,
  invalid_parameter: (d) => `The edge did not accept the request: ${String(d.message ?? 'invalid parameter')}`,
  nothing_to_import: () => 'None of the rows can be imported; the report below says why for each row (often a column mapped to the wrong field).',
  too_many_rejected: (d) => `${rowsText(d)} are rejected, more than the import allows; the report below says why. Fix the file or the column mapping and check again.`,
  invalid_mapping: (d) => `The column mapping does not fit the file: ${String(d.message ?? '')}`,
  malformed_csv: (d) => `The file is not a CSV the edge can read: ${String(d.message ?? '')}`,
  malformed_ndjson: (d) => `The file is not NDJSON the edge can read: ${String(d.message ?? '')}`,
  invalid_encoding: () => 'The file is not UTF-8 text. Save it as UTF-8 (CSV UTF-8 in spreadsheet programs) and try again.',
  empty_body: () => 'The file is empty.',
  no_rows: () => 'The file has a header but no data rows.',
  import_too_large: (d) => `The file is too large for one import (${String(d.message ?? '')}). Split it into parts, or use npm run import, which does.`,
  too_many_dates: () => 'The rows span more than 1,000 dates, more than one import may; split the file by period.',
  unsupported_format: () => 'Only CSV and NDJSON files can be imported (Parquet not yet).',
  unsupported_encoding: () => 'The file is compressed in a way the edge does not read; send it uncompressed or gzipped.',
  import_id_taken: () => 'An import with this id holds another file. Choose another import id.',
  import_withdrawn: () => 'This file was imported and then withdrawn; to import it again, give it another import id.',
  import_conflict: () => 'Another import brought some of these orders meanwhile. Check again to see them as rejected rows.',
  imports_need_pseudonymous: () => 'This site is cookieless: its ids are hashed with a salt that lives two days, so imported persons could never meet online ones.',
  edge_misconfigured: () => "The collector's configuration is invalid; its operator finds why in the worker logs.",
  internal_error: () => 'The edge hit an internal error; try again, and tell its operator if it persists.',
};

function rowsText(d: Details): string {
  const rows = d.rows as { total?: unknown; rejected?: unknown } | undefined;
  return rows && typeof rows.rejected === 'number' && typeof rows.total === 'number' ? `${rows.rejected} of ${rows.total} rows` : 'Too many rows';
}

/** A sentence for an error from the edge (or from reaching it), saying what failed: "Could not <what>: <sentence>". */
export function describeEdgeError(error: unknown, what: string): string {
  if (error instanceof EdgeRequestError) {
    if (error.status === null) return `Could not ${what}: the edge could not be reached. Check the connection and try again.`;
    const sentence = error.code ? SENTENCES[error.code]?.({ ...error.body, message: error.body?.message }) : undefined;
    if (sentence) return `Could not ${what}: ${sentence}`;
    const message = typeof error.body?.message === 'string' ? error.body.message : null;
    return `Could not ${what}: ${message ?? error.message}`;
  }
  return `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
