import { DomainError } from '../errors.js';

// A directory that cannot answer fails closed: the caller gets a domain error the bot shows as
// "nothing was changed, please try again", and no role is granted.
export function directoryUnavailable(detail: string): DomainError {
  const error = new DomainError('directory-unavailable');
  // The detail is for logs only; users see the catalogue's message.
  error.message = `directory unavailable: ${detail}`;
  return error;
}
