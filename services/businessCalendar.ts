// Business days (SPEC section 3): Monday to Friday in one IANA time zone, minus holidays.
// "N business days from T" is the first instant at which N x 24 hours of time lying on
// business days have passed since T. A local day shortened or lengthened by a daylight-saving
// change counts for the hours it really has.

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** Day starts remembered per calendar (a few years of days); the map starts again beyond that. */
const DAY_STARTS_KEPT = 2048;
/** Days kept as the instants they span (a claim's deadlines fall on a handful). */
const RECENT_DAYS_KEPT = 16;

interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export class BusinessCalendar {
  readonly timeZone: string;
  private readonly holidays: ReadonlySet<string>;
  private readonly parts: Intl.DateTimeFormat;
  private readonly dayStarts = new Map<string, number>();
  /** Days whose instants were asked for lately, replaced in turn. */
  private readonly recentDays: { start: number; end: number; date: Readonly<LocalDate> }[] = [];
  private nextRecentDay = 0;

  constructor(timeZone: string, holidays: readonly string[] = []) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    this.timeZone = timeZone;
    for (const holiday of holidays) {
      if (!isCalendarDate(holiday)) throw new RangeError(`holiday "${holiday}" is not a YYYY-MM-DD date`);
    }
    this.holidays = new Set(holidays);
  }

  /** The instant `days` business days after `from`. */
  addBusinessDays(from: Date, days: number): Date {
    assertDayCount(days);
    let remaining = days * DAY_MS;
    let cursor = from.getTime();
    // The zone is asked for the first date only: each later day starts where the one before ended.
    let date = this.localDate(cursor);
    // A year of days without one business day means the holiday list is wrong, not that we wait.
    for (let guard = 0; guard < 3700; guard += 1) {
      const next = nextDate(date);
      const dayEnd = this.startOfLocalDay(next);
      if (this.isBusinessDate(date)) {
        const available = dayEnd - cursor;
        if (remaining <= available) return new Date(cursor + remaining);
        remaining -= available;
      }
      cursor = dayEnd;
      date = next;
    }
    throw new RangeError('no business days found within ten years');
  }

  /** The instant `days` business days before `deadline` (for "deadline near" reminders). */
  subtractBusinessDays(deadline: Date, days: number): Date {
    assertDayCount(days);
    let remaining = days * DAY_MS;
    let cursor = deadline.getTime();
    let date = this.localDate(cursor - 1);
    for (let guard = 0; guard < 3700; guard += 1) {
      const dayStart = this.startOfLocalDay(date);
      if (this.isBusinessDate(date)) {
        const available = cursor - dayStart;
        if (remaining <= available) return new Date(cursor - remaining);
        remaining -= available;
      }
      cursor = dayStart;
      date = previousDate(date);
    }
    throw new RangeError('no business days found within ten years');
  }

  /** The time lying on business days between two instants (0 when `to` is not after `from`). */
  businessTimeBetween(from: Date, to: Date): number {
    let total = 0;
    let cursor = from.getTime();
    const end = to.getTime();
    let date = cursor < end ? this.localDate(cursor) : undefined;
    while (date && cursor < end) {
      const next = nextDate(date);
      const dayEnd = Math.min(this.startOfLocalDay(next), end);
      if (this.isBusinessDate(date)) total += dayEnd - cursor;
      cursor = dayEnd;
      date = next;
    }
    return total;
  }

  isBusinessDay(instant: Date): boolean {
    return this.isBusinessDate(this.localDate(instant.getTime()));
  }

  /** The local calendar date of an instant, as YYYY-MM-DD. */
  localDateString(instant: Date): string {
    return formatDate(this.localDate(instant.getTime()));
  }

  /** The instant a calendar date ("2026-12-04") ends in the zone: the next day's first instant. */
  endOfLocalDay(date: string): Date {
    if (!isCalendarDate(date)) throw new RangeError(`"${date}" is not a calendar date (YYYY-MM-DD)`);
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    return new Date(this.startOfLocalDay(nextDate({ year, month, day })));
  }

  private isBusinessDate(date: LocalDate): boolean {
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !this.holidays.has(formatDate(date));
  }

  /**
   * The local date of an instant. Asking the zone (Intl) costs microseconds, and a claim's
   * deadlines and timers ask for the same few days on every change: the days found last are
   * kept as the instants they span, so an instant within one is answered without the zone.
   */
  private localDate(epochMs: number): LocalDate {
    for (const day of this.recentDays) if (epochMs >= day.start && epochMs < day.end) return day.date;
    const date = this.zoneDate(epochMs);
    const start = this.startOfLocalDay(date);
    const end = this.startOfLocalDay(nextDate(date));
    if (epochMs >= start && epochMs < end) {
      this.recentDays[this.nextRecentDay] = { start, end, date: Object.freeze(date) };
      this.nextRecentDay = (this.nextRecentDay + 1) % RECENT_DAYS_KEPT;
    }
    return date;
  }

  private zoneDate(epochMs: number): LocalDate {
    const fields = this.fields(epochMs);
    return { year: fields.year, month: fields.month, day: fields.day };
  }

  private fields(epochMs: number) {
    const values: Record<string, number> = {};
    for (const part of this.parts.formatToParts(new Date(epochMs))) {
      if (part.type !== 'literal') values[part.type] = Number(part.value);
    }
    return {
      year: values.year ?? 0,
      month: values.month ?? 1,
      day: values.day ?? 1,
      hour: values.hour ?? 0,
      minute: values.minute ?? 0,
      second: values.second ?? 0,
    };
  }

  /** Milliseconds the zone is ahead of UTC at an instant. */
  private offsetAt(epochMs: number): number {
    const f = this.fields(epochMs);
    const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return asUtc - Math.floor(epochMs / 1000) * 1000;
  }

  /** The first instant whose local date is `date` (remembered: deadlines ask for the same days again and again). */
  private startOfLocalDay(date: LocalDate): number {
    const key = formatDate(date);
    let start = this.dayStarts.get(key);
    if (start === undefined) {
      start = this.findStartOfLocalDay(date);
      if (this.dayStarts.size >= DAY_STARTS_KEPT) this.dayStarts.clear();
      this.dayStarts.set(key, start);
    }
    return start;
  }

  private findStartOfLocalDay(date: LocalDate): number {
    const midnightUtc = Date.UTC(date.year, date.month - 1, date.day);
    let guess = midnightUtc - this.offsetAt(midnightUtc);
    guess = midnightUtc - this.offsetAt(guess);
    // Where local midnight is skipped by a daylight-saving jump, the day starts at the jump.
    if (formatDate(this.zoneDate(guess)) !== formatDate(date)) {
      let low = guess;
      let high = guess + 3 * HOUR_MS;
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (compareDates(this.zoneDate(mid), date) < 0) low = mid;
        else high = mid;
      }
      return high;
    }
    return guess;
  }
}

function assertDayCount(days: number): void {
  if (!Number.isFinite(days) || days < 0) throw new RangeError(`a number of business days must be 0 or more, not ${days}`);
}

function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

function nextDate(date: LocalDate): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function previousDate(date: LocalDate): LocalDate {
  const previous = new Date(Date.UTC(date.year, date.month - 1, date.day - 1));
  return { year: previous.getUTCFullYear(), month: previous.getUTCMonth() + 1, day: previous.getUTCDate() };
}

function formatDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function compareDates(a: LocalDate, b: LocalDate): number {
  return formatDate(a).localeCompare(formatDate(b));
}

/** A time zone name the runtime knows (checked once, at configuration). */
export function isValidTimeZone(timeZone: string): boolean {
  // Asked on every turn (the client's zone); building a formatter to find out is costly, so
  // zones found valid are remembered. Invalid ones are not: they come from clients, unbounded.
  if (VALID_TIME_ZONES.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    VALID_TIME_ZONES.add(timeZone);
    return true;
  } catch {
    return false;
  }
}

const VALID_TIME_ZONES = new Set<string>();
