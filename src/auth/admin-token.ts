/**
 * The operator's bearer token (ADMIN_TOKEN, at least 32 characters): POST /assessment under
 * AUTH_MODE=jwt, and the admin routes. Compared in constant time: both sides are hashed first, so
 * neither the content nor the length of the token leaks through the time a comparison takes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Whether `authorization` is `Bearer <adminToken>`; false when no admin token is configured. */
export function isAdminBearer(authorization: string | undefined, adminToken: string | undefined): boolean {
  if (adminToken === undefined || authorization === undefined) return false;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(adminToken));
}
