import { readFile } from 'node:fs/promises';
import { SpecError } from '@privacy-analytics/core/analytics';
import { errorMessage, InputError } from '@privacy-analytics/core/connectors/node';

/** A spec given on the command line is inline JSON when it starts with `{`, else the path of a JSON file. */
export function isInlineSpec(spec: string): boolean {
  return spec.trimStart().startsWith('{');
}

/** How errors name the spec: "inline spec" or its path. */
export function specLabel(spec: string): string {
  return isInlineSpec(spec) ? 'inline spec' : spec;
}

/** The spec's JSON, read from the file when it is a path. */
export async function readSpec(spec: string): Promise<unknown> {
  let text = spec;
  if (!isInlineSpec(spec)) {
    try {
      text = await readFile(spec, 'utf8');
    } catch {
      throw new InputError(`${spec}: cannot read the spec file`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpecError(`${specLabel(spec)}: invalid JSON (${errorMessage(error)})`);
  }
}
