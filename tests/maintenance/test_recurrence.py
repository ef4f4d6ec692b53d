"""Recurrence rules: presets and raw rules, counted in the plan's time zone across
daylight-saving changes, at month ends and leap days; rules that never fire or fire more
than hourly are refused with a clear message, quickly."""

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from maintenance.choices import PRESETS
from maintenance.recurrence import RecurrenceError, next_occurrence, occurrences, rule_parse

JAKARTA = ZoneInfo("Asia/Jakarta")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def _next(rule, start, zone, count=5, after=None):
    return occurrences(rule, dtstart=start, time_zone=zone.key, after=after or start, count=count)


def test_every_first_monday():
    start = datetime(2026, 1, 5, 9, 0, tzinfo=JAKARTA)
    assert [d.day for d in _next("FREQ=MONTHLY;BYDAY=1MO", start, JAKARTA)] == [5, 2, 2, 6, 4]


def test_every_three_months_from_the_31st_skips_months_without_one():
    start = datetime(2026, 1, 31, 9, 0, tzinfo=JAKARTA)
    months = [(d.month, d.day) for d in _next("FREQ=MONTHLY;INTERVAL=3", start, JAKARTA)]
    # RFC 5545: an occurrence that would fall on a day the month lacks does not happen.
    assert months == [(1, 31), (7, 31), (10, 31), (1, 31), (7, 31)]


def test_the_last_day_of_each_month_with_bymonthday_minus_one():
    start = datetime(2028, 1, 31, 18, 0, tzinfo=JAKARTA)
    assert [d.day for d in _next("FREQ=MONTHLY;BYMONTHDAY=-1", start, JAKARTA, count=3)] == [31, 29, 31]


def test_a_yearly_leap_day():
    start = datetime(2028, 2, 29, 9, 0, tzinfo=JAKARTA)
    assert [d.year for d in _next("FREQ=YEARLY", start, JAKARTA, count=2)] == [2028, 2032]


def test_wall_clock_time_holds_across_daylight_saving_in_london():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    found = _next("FREQ=WEEKLY;BYDAY=MO", start, LONDON, count=6)
    assert {d.hour for d in found} == {9}
    # 09:00 GMT is 09:00 UTC; 09:00 BST (from 29 March) is 08:00 UTC.
    assert [d.astimezone(UTC).hour for d in found] == [9, 9, 9, 9, 8, 8]


def test_a_time_skipped_by_spring_forward_falls_an_hour_later():
    start = datetime(2026, 3, 7, 2, 30, tzinfo=NEW_YORK)
    found = _next("FREQ=DAILY", start, NEW_YORK, count=3)
    assert [(d.day, d.hour, d.minute) for d in found] == [(7, 2, 30), (8, 3, 30), (9, 2, 30)]


def test_a_time_repeated_by_fall_back_happens_once():
    start = datetime(2026, 10, 24, 1, 30, tzinfo=LONDON)
    found = _next("FREQ=DAILY", start, LONDON, count=3)
    assert [d.day for d in found] == [24, 25, 26]
    assert found[1].astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_the_next_occurrence_after_one_is_the_one_after_it():
    start = datetime(2026, 1, 5, 9, 0, tzinfo=JAKARTA)
    after = next_occurrence("FREQ=MONTHLY;BYDAY=1MO", dtstart=start, time_zone="Asia/Jakarta", after=start)
    assert after == datetime(2026, 2, 2, 9, 0, tzinfo=JAKARTA)


def test_a_rule_that_ended_has_no_next_occurrence():
    start = datetime(2026, 1, 5, 9, 0, tzinfo=JAKARTA)
    rule = "FREQ=WEEKLY;UNTIL=20260120T000000"
    assert (
        next_occurrence(rule, dtstart=start, time_zone="Asia/Jakarta", after=datetime(2026, 2, 1, tzinfo=UTC)) is None
    )


def test_a_count_ends_the_rule():
    start = datetime(2026, 1, 5, 9, 0, tzinfo=JAKARTA)
    assert len(_next("FREQ=WEEKLY;COUNT=3", start, JAKARTA, count=10)) == 3


@pytest.mark.parametrize(("key", "_label", "rule"), PRESETS)
def test_every_preset_is_a_valid_rule(key, _label, rule):
    rule_parse(rule, dtstart=datetime(2026, 1, 5, 9, tzinfo=JAKARTA), time_zone="Asia/Jakarta")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=SECONDLY", "at most hourly"),
        ("FREQ=MINUTELY;INTERVAL=90", "at most hourly"),
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,15", "more than once an hour"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never fires"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "never fires"),
        ("FREQ=WEEKLY;UNTIL=20200101T000000Z", "never fires"),
        ("FREQ=MONTHLY;COUNT=100000", "COUNT=100000 is not reached"),
        ("FREQ=FORTNIGHTLY", "not a recurrence rule"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a recurrence rule"),
        ("BYDAY=MO", "needs FREQ"),
        ("", "Choose how often"),
        ("FREQ=DAILY;" + "BYHOUR=1;" * 100, "at most 500 characters"),
        ("RRULE:FREQ=DAILY\nEXDATE:20260101", "the start has its own field"),
        ("' \" < > & 🙂", "needs FREQ"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message_and_quickly(rule, message):
    started = time.monotonic()
    with pytest.raises(RecurrenceError) as refused:
        rule_parse(rule, dtstart=datetime(2026, 1, 5, 9, tzinfo=JAKARTA), time_zone="Asia/Jakarta")
    assert message in refused.value.message
    assert time.monotonic() - started < 3


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(RecurrenceError, match="not a known time zone"):
        rule_parse("FREQ=DAILY", dtstart=datetime(2026, 1, 5, tzinfo=UTC), time_zone="Mars/Olympus")


def test_a_lower_case_rule_with_a_prefix_and_spaces_is_read():
    rule_parse(" rrule:freq=monthly; interval=3 ", dtstart=datetime(2026, 1, 5, tzinfo=UTC), time_zone="UTC")
