import type { Activity } from 'botbuilder';
import { translatorFor, type Translator } from '../cards/i18n/i18n.js';
import { isValidTimeZone } from '../services/businessCalendar.js';

// The reader's language and time zone, from what Teams sends: the activity's locale and the
// clientInfo entity's time zone. Used for every message and card of the turn.

export interface UserContext {
  translator: Translator;
  timeZone: string;
}

interface ClientInfoEntity {
  type?: string;
  locale?: string;
  timezone?: string;
}

export function userContextOf(activity: Partial<Activity>, defaultLocale = 'en'): UserContext {
  const clientInfo = (activity.entities as ClientInfoEntity[] | undefined)?.find((entity) => entity.type === 'clientInfo');
  const zone = activity.localTimezone ?? clientInfo?.timezone;
  return {
    translator: translatorFor(activity.locale ?? clientInfo?.locale ?? defaultLocale),
    timeZone: zone && isValidTimeZone(zone) ? zone : 'UTC',
  };
}
