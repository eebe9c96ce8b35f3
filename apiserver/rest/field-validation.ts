// `fieldValidation=Strict|Warn|Ignore`: what happens to fields the schema does
// not know (the decoder drops them and reports their paths). Kubernetes'
// default is Warn; kubectl sends Strict unless --validate says otherwise.
// Warnings travel in `Warning: 299 - "..."` headers, which kubectl prints.

import type { Context } from 'hono';
import { ApiError, badRequest } from '../../api/errors.ts';
import type { ResourceInfo } from '../../api/resources.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
const VALUES: FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

export function fieldValidationOf(c: Context): FieldValidation {
  const v = c.req.query('fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (!(VALUES as string[]).includes(v)) {
    throw badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return v as FieldValidation;
}

/** Fails (Strict), warns (Warn) or says nothing (Ignore) about the unknown fields `dropped`. */
export function enforceFieldValidation(c: Context, info: ResourceInfo, dropped: string[]): void {
  if (dropped.length === 0) return;
  const mode = fieldValidationOf(c);
  const messages = dropped.map((path) => `unknown field "${path}"`);
  if (mode === 'Strict') {
    throw new ApiError('BadRequest', `${info.kind} in version "${info.apiVersion.split('/').pop()}" cannot be handled as a ${info.kind}: strict decoding error: ${messages.join(', ')}`);
  }
  if (mode === 'Warn') {
    for (const m of messages) c.header('Warning', `299 - ${JSON.stringify(m)}`, { append: true });
  }
}
