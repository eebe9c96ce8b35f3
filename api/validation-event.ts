// core/v1 Event rules, as Kubernetes' ValidateEvent checks the fields that
// matter: who it is about, why (reason), Normal or Warning.

import { field, type FieldError } from './errors.ts';
import { isDns1123Subdomain } from './names.ts';
import type { Event } from './types.ts';
import { text, validateObjectMeta, validateObjectMetaUpdate } from './validation-common.ts';

export const EVENT_TYPES = ['Normal', 'Warning'];
/** Kubernetes caps an event's note at 1 KiB. */
export const MAX_EVENT_MESSAGE = 1024;

export function validateEvent(obj: Event, old?: Event): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, isDns1123Subdomain);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  const ref = obj.involvedObject;
  if (!ref || typeof ref !== 'object') errs.push(field.required('involvedObject'));
  else {
    if (!text(ref.kind)) errs.push(field.required('involvedObject.kind'));
    if (!text(ref.name)) errs.push(field.required('involvedObject.name'));
    if (ref.namespace && obj.metadata?.namespace && ref.namespace !== obj.metadata.namespace) {
      errs.push(field.invalid('involvedObject.namespace', ref.namespace, 'does not match event.namespace'));
    }
  }
  if (!text(obj.reason)) errs.push(field.required('reason'));
  if (!EVENT_TYPES.includes(text(obj.type))) errs.push(field.notSupported('type', obj.type, EVENT_TYPES));
  if (text(obj.message).length > MAX_EVENT_MESSAGE) errs.push(field.invalid('message', '', `must have at most ${MAX_EVENT_MESSAGE} bytes`));
  return errs;
}
