import assert from 'node:assert/strict';
import { BusinessCalendar, isValidTimeZone } from '../../services/businessCalendar.js';

// All expectations are exact instants: the rule is about elapsed time, so a wrong hour is a bug.
const at = (iso: string): Date => new Date(iso);
const addIso = (cal: BusinessCalendar, from: string, days: number): string => cal.addBusinessDays(at(from), days).toISOString();
const subIso = (cal: BusinessCalendar, deadline: string, days: number): string => cal.subtractBusinessDays(at(deadline), days).toISOString();

describe('BusinessCalendar', () => {
  const utc = new BusinessCalendar('UTC');

  describe('SPEC examples (UTC)', () => {
    it('submitted Friday 15:00 + 5 is the next Friday 15:00', () => {
      assert.equal(addIso(utc, '2026-11-20T15:00:00Z', 5), '2026-11-27T15:00:00.000Z');
    });

    it('requested Saturday + 5 ends at the end of the following Friday', () => {
      assert.equal(addIso(utc, '2026-11-21T10:00:00Z', 5), '2026-11-28T00:00:00.000Z');
    });

    it('a holiday on Thursday pushes the first example to Monday', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-26']);
      assert.equal(addIso(cal, '2026-11-20T15:00:00Z', 5), '2026-11-30T15:00:00.000Z');
    });
  });

  describe('weekends', () => {
    it('counts from Monday 00:00 when started on Saturday', () => {
      assert.equal(addIso(utc, '2026-11-21T10:00:00Z', 1), '2026-11-24T00:00:00.000Z');
    });

    it('counts from Monday 00:00 when started on Sunday', () => {
      assert.equal(addIso(utc, '2026-11-22T08:00:00Z', 1), '2026-11-24T00:00:00.000Z');
    });

    it('Friday late evening keeps its last hour, the rest comes from Monday', () => {
      // 1 h of Friday + 23 h of Monday.
      assert.equal(addIso(utc, '2026-11-20T23:00:00Z', 1), '2026-11-23T23:00:00.000Z');
    });

    it('1 business day from Friday 12:00 is Monday 12:00', () => {
      assert.equal(addIso(utc, '2026-11-20T12:00:00Z', 1), '2026-11-23T12:00:00.000Z');
    });

    it('a deadline that ends exactly with Friday is Saturday 00:00, not Monday 00:00', () => {
      // "First instant" at which the time has passed: the end of Friday, not the next business day.
      assert.equal(addIso(utc, '2026-11-20T00:00:00Z', 1), '2026-11-21T00:00:00.000Z');
    });
  });

  describe('holidays', () => {
    it('skips several consecutive holidays', () => {
      const cal = new BusinessCalendar('UTC', ['2026-12-23', '2026-12-24', '2026-12-25']);
      // Tue 15 h, Wed-Fri holidays, weekend, Mon 24 h, Tue 9 h.
      assert.equal(addIso(cal, '2026-12-22T09:00:00Z', 2), '2026-12-29T09:00:00.000Z');
    });

    it('skips a holiday on a Monday', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-30']);
      // Fri 9 h, weekend, Mon holiday, Tue 15 h.
      assert.equal(addIso(cal, '2026-11-27T15:00:00Z', 1), '2026-12-01T15:00:00.000Z');
    });

    it('a holiday on a weekend changes nothing', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-21', '2026-11-22']);
      assert.equal(addIso(cal, '2026-11-20T15:00:00Z', 5), '2026-11-27T15:00:00.000Z');
    });

    it('matches holidays against the local date of the policy time zone', () => {
      const madrid = new BusinessCalendar('Europe/Madrid', ['2026-12-25']);
      const utcWithSameList = new BusinessCalendar('UTC', ['2026-12-25']);
      // 23:30 UTC on the 24th is 00:30 on the 25th in Madrid (CET, UTC+1).
      const instant = at('2026-12-24T23:30:00Z');
      assert.equal(madrid.localDateString(instant), '2026-12-25');
      assert.equal(madrid.isBusinessDay(instant), false);
      assert.equal(utcWithSameList.isBusinessDay(instant), true);
      // One minute before local midnight is still Thursday the 24th.
      assert.equal(madrid.isBusinessDay(at('2026-12-24T22:59:00Z')), true);
    });

    it('stops counting at local midnight before a local holiday', () => {
      const madrid = new BusinessCalendar('Europe/Madrid', ['2026-12-25']);
      // Thu 23:30 local: 30 min of Thursday, then Monday from 2026-12-27T23:00Z for 23.5 h.
      assert.equal(addIso(madrid, '2026-12-24T22:30:00Z', 1), '2026-12-28T22:30:00.000Z');
    });
  });

  describe('counting from a non-business instant', () => {
    it('from Saturday starts at Monday local midnight', () => {
      const madrid = new BusinessCalendar('Europe/Madrid');
      // Monday 2026-11-23 00:00 CET is 2026-11-22T23:00Z.
      assert.equal(addIso(madrid, '2026-11-21T10:00:00Z', 1), '2026-11-23T23:00:00.000Z');
    });

    it('from a holiday starts at the next business day local midnight', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-26']);
      assert.equal(addIso(cal, '2026-11-26T10:00:00Z', 1), '2026-11-28T00:00:00.000Z');
    });

    it('from a local holiday in Madrid starts at Monday local midnight', () => {
      const madrid = new BusinessCalendar('Europe/Madrid', ['2026-12-25']);
      assert.equal(addIso(madrid, '2026-12-24T23:30:00Z', 1), '2026-12-28T23:00:00.000Z');
    });

    it('from Sunday 23:59 local loses nothing and gains nothing', () => {
      const madrid = new BusinessCalendar('Europe/Madrid');
      // Sunday 23:59 CET is 22:59Z; Monday starts one minute later.
      assert.equal(madrid.isBusinessDay(at('2026-11-22T22:59:00Z')), false);
      assert.equal(addIso(madrid, '2026-11-22T22:59:00Z', 1), '2026-11-23T23:00:00.000Z');
      assert.equal(addIso(madrid, '2026-11-22T22:59:59.999Z', 1), '2026-11-23T23:00:00.000Z');
    });
  });

  describe('daylight saving', () => {
    it('a DST change on the weekend keeps the local clock time (America/New_York)', () => {
      const ny = new BusinessCalendar('America/New_York');
      // Fri 12:00 EDT -> Fri 12:00 EST; the 25-hour Sunday is not a business day.
      assert.equal(addIso(ny, '2026-10-30T16:00:00Z', 5), '2026-11-06T17:00:00.000Z');
    });

    it('a 23-hour Friday counts for 23 hours (Asia/Jerusalem, DST starts Fri 2026-03-27 02:00)', () => {
      const jerusalem = new BusinessCalendar('Asia/Jerusalem');
      // Fri 00:00 IST + 23 h of Friday + 1 h of Monday = Mon 01:00 IDT.
      assert.equal(addIso(jerusalem, '2026-03-26T22:00:00Z', 1), '2026-03-29T22:00:00.000Z');
      assert.equal(subIso(jerusalem, '2026-03-29T22:00:00Z', 1), '2026-03-26T22:00:00.000Z');
    });

    it('counts elapsed hours, not wall-clock hours, across a weekday DST start', () => {
      const jerusalem = new BusinessCalendar('Asia/Jerusalem');
      // Thu 12:00 IST: 12 h of Thursday, then 12 real hours of Friday = 13:00 IDT.
      assert.equal(addIso(jerusalem, '2026-03-26T10:00:00Z', 1), '2026-03-27T10:00:00.000Z');
    });

    it('a 25-hour Thursday counts for 25 hours (Africa/Cairo, DST ends Thu 2026-10-29 24:00)', () => {
      const cairo = new BusinessCalendar('Africa/Cairo');
      // Thu 00:00 EEST + 24 h is the repeated 23:00 hour (EET), still Thursday.
      assert.equal(addIso(cairo, '2026-10-28T21:00:00Z', 1), '2026-10-29T21:00:00.000Z');
      // 25 h of Thursday + 23 h of Friday: Fri 23:00 EET.
      assert.equal(addIso(cairo, '2026-10-28T21:00:00Z', 2), '2026-10-30T21:00:00.000Z');
    });
  });

  describe('the days a calendar keeps', () => {
    it('answers an instant as a fresh calendar would, either side of local midnight and of a DST change', () => {
      for (const zone of ['Asia/Jerusalem', 'America/New_York', 'Africa/Cairo', 'Europe/Madrid']) {
        const kept = new BusinessCalendar(zone, ['2026-03-30']);
        // Local midnights and DST changes of the spring and the autumn, 1 ms either side of them.
        const instants = [
          '2026-03-26T22:00:00Z',
          '2026-03-27T00:00:00Z',
          '2026-03-29T01:00:00Z',
          '2026-03-08T07:00:00Z',
          '2026-10-29T21:00:00Z',
          '2026-10-25T01:00:00Z',
          '2026-11-01T06:00:00Z',
        ].flatMap((iso) => [-3_600_000, -1, 0, 1, 3_600_000].map((offset) => Date.parse(iso) + offset));
        for (const round of [1, 2]) {
          for (const instant of round === 1 ? instants : [...instants].reverse()) {
            const fresh = new BusinessCalendar(zone, ['2026-03-30']);
            const when = new Date(instant);
            const label = `${zone} ${when.toISOString()} (round ${round})`;
            assert.equal(kept.localDateString(when), fresh.localDateString(when), label);
            assert.equal(kept.isBusinessDay(when), fresh.isBusinessDay(when), label);
            assert.equal(kept.addBusinessDays(when, 2).getTime(), fresh.addBusinessDays(when, 2).getTime(), label);
            assert.equal(kept.subtractBusinessDays(when, 1).getTime(), fresh.subtractBusinessDays(when, 1).getTime(), label);
          }
        }
      }
    });
  });

  describe('subtractBusinessDays', () => {
    it('one business day before Friday 15:00 is Thursday 15:00', () => {
      assert.equal(subIso(utc, '2026-11-27T15:00:00Z', 1), '2026-11-26T15:00:00.000Z');
    });

    it('one business day before Monday 15:00 is Friday 15:00', () => {
      assert.equal(subIso(utc, '2026-11-30T15:00:00Z', 1), '2026-11-27T15:00:00.000Z');
    });

    it('one business day before a Saturday 00:00 deadline is Friday 00:00', () => {
      assert.equal(subIso(utc, '2026-11-28T00:00:00Z', 1), '2026-11-27T00:00:00.000Z');
    });

    it('skips a holiday in between', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-27']);
      // Mon 15 h, Fri holiday, weekend, Thu 9 h.
      assert.equal(subIso(cal, '2026-11-30T15:00:00Z', 1), '2026-11-26T15:00:00.000Z');
    });

    it('inverts the holiday SPEC example', () => {
      const cal = new BusinessCalendar('UTC', ['2026-11-26']);
      assert.equal(subIso(cal, '2026-11-30T15:00:00Z', 5), '2026-11-20T15:00:00.000Z');
    });

    describe('round trip subtract(add(T, N), N)', () => {
      // Deterministic LCG (Numerical Recipes constants) so a failure is reproducible.
      function lcg(seed: number): () => number {
        let state = seed >>> 0;
        return () => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
      }

      const from = Date.UTC(2026, 0, 1);
      const to = Date.UTC(2027, 0, 1);
      // Swedish public holidays 2026 that fall on weekdays, plus two that fall on weekends.
      const swedishHolidays = [
        '2026-01-01',
        '2026-01-06',
        '2026-04-03',
        '2026-04-06',
        '2026-05-01',
        '2026-05-14',
        '2026-06-06',
        '2026-06-19',
        '2026-10-31',
        '2026-12-24',
        '2026-12-25',
        '2026-12-31',
      ];
      const cases: Array<[string, BusinessCalendar, number]> = [
        ['UTC', new BusinessCalendar('UTC', ['2026-05-01', '2026-12-25']), 1],
        ['Europe/Stockholm', new BusinessCalendar('Europe/Stockholm', swedishHolidays), 2],
      ];

      for (const [label, cal, seed] of cases) {
        it(`lands on T inside a business day, else on the next business day start (${label})`, () => {
          const random = lcg(seed);
          const localTime = new Intl.DateTimeFormat('en-GB', {
            timeZone: cal.timeZone,
            hourCycle: 'h23',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
          });
          let onBusinessDays = 0;
          let offBusinessDays = 0;
          for (let i = 0; i < 400; i += 1) {
            const t = new Date(from + Math.floor(random() * (to - from)));
            const n = 1 + Math.floor(random() * 14);
            const back = cal.subtractBusinessDays(cal.addBusinessDays(t, n), n);
            const context = `${label} T=${t.toISOString()} N=${n}`;
            if (cal.isBusinessDay(t)) {
              onBusinessDays += 1;
              assert.equal(back.toISOString(), t.toISOString(), context);
            } else {
              offBusinessDays += 1;
              // Start of the next business day: after T, on a business day, preceded by a
              // non-business instant, at local midnight (Stockholm's DST jumps are on Sundays).
              const before = new Date(back.getTime() - 1);
              assert.ok(back.getTime() > t.getTime(), context);
              assert.ok(back.getTime() - t.getTime() <= 5 * 24 * 3600 * 1000, context);
              assert.equal(cal.isBusinessDay(back), true, context);
              assert.equal(cal.isBusinessDay(before), false, context);
              assert.equal(localTime.format(back), '00:00:00', context);
            }
          }
          // Both branches must actually be exercised for the property to mean anything.
          assert.ok(onBusinessDays > 100, `${label}: ${onBusinessDays} business-day samples`);
          assert.ok(offBusinessDays > 50, `${label}: ${offBusinessDays} non-business samples`);
        });
      }
    });
  });

  describe('zero business days', () => {
    it('returns T itself when T is in a business day', () => {
      for (const iso of ['2026-11-23T00:00:00.000Z', '2026-11-25T13:37:42.123Z', '2026-11-27T23:59:59.999Z']) {
        assert.equal(addIso(utc, iso, 0), iso);
      }
    });
  });

  describe('a skipped local midnight', () => {
    it('subtracts across it (America/Santiago, clocks jump at 00:00 on 2026-09-06)', () => {
      const santiago = new BusinessCalendar('America/Santiago');
      // Monday 12:00 -03 minus one business day: 12 h of Monday and 12 h of Friday (-04).
      assert.equal(santiago.subtractBusinessDays(at('2026-09-07T15:00:00Z'), 1).toISOString(), '2026-09-04T16:00:00.000Z');
    });

    it('adds across it (America/Havana, March change)', () => {
      const havana = new BusinessCalendar('America/Havana');
      const start = at('2026-03-06T17:00:00Z');
      assert.equal(havana.subtractBusinessDays(havana.addBusinessDays(start, 1), 1).toISOString(), start.toISOString());
    });
  });

  describe('configuration', () => {
    it('isValidTimeZone accepts IANA names and rejects unknown ones', () => {
      assert.equal(isValidTimeZone('Europe/Madrid'), true);
      assert.equal(isValidTimeZone('UTC'), true);
      assert.equal(isValidTimeZone('Mars/Olympus'), false);
    });

    it('rejects holidays not written as YYYY-MM-DD', () => {
      for (const bad of ['2026-1-05', '26-11-26', '2026/11/26', '2026-11-26T00:00', '']) {
        assert.throws(() => new BusinessCalendar('UTC', [bad]), RangeError, `holiday ${JSON.stringify(bad)}`);
      }
    });

    it('rejects impossible dates and negative day counts', () => {
      for (const bad of ['2026-02-30', '2026-13-01']) {
        assert.throws(() => new BusinessCalendar('UTC', [bad]), RangeError, bad);
      }
      assert.throws(() => utc.addBusinessDays(at('2026-11-23T00:00:00Z'), -1), RangeError);
      assert.throws(() => utc.subtractBusinessDays(at('2026-11-23T00:00:00Z'), -1), RangeError);
    });

    it('rejects an unknown time zone', () => {
      assert.throws(() => new BusinessCalendar('Mars/Olympus'), RangeError);
    });

    it('localDateString gives the date in the policy time zone', () => {
      const tokyo = new BusinessCalendar('Asia/Tokyo');
      assert.equal(tokyo.localDateString(at('2026-11-20T15:00:00Z')), '2026-11-21');
      assert.equal(utc.localDateString(at('2026-11-20T15:00:00Z')), '2026-11-20');
    });
  });
});
