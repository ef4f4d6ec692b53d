from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendars import BusinessCalendar, due_from_runs, indonesian_holidays, working_time_in_runs

JAKARTA = ZoneInfo("Asia/Jakarta")
MAKASSAR = ZoneInfo("Asia/Makassar")
JAYAPURA = ZoneInfo("Asia/Jayapura")
BERLIN = ZoneInfo("Europe/Berlin")

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OFFICE = BusinessCalendar.office_hours(JAKARTA)
SPLIT = BusinessCalendar(
    JAKARTA,
    tuple(((time(8), time(12)), (time(13), time(17))) if weekday < 5 else () for weekday in range(7)),
)


def jakarta(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA)


# 2026-06-08 is a Monday; that week has no Indonesian holiday.
MONDAY = (2026, 6, 8)
TUESDAY = (2026, 6, 9)
WEDNESDAY = (2026, 6, 10)
FRIDAY = (2026, 6, 12)
SATURDAY = (2026, 6, 13)
NEXT_MONDAY = (2026, 6, 15)


# --- office hours


def test_a_target_that_fits_in_the_day_is_due_the_same_day():
    assert OFFICE.add(jakarta(*MONDAY, 9), 3 * HOUR) == jakarta(*MONDAY, 12)


def test_a_target_that_does_not_fit_today_continues_at_the_next_opening():
    assert OFFICE.add(jakarta(*MONDAY, 16), 3 * HOUR) == jakarta(*TUESDAY, 10)


def test_a_clock_started_before_opening_starts_at_opening():
    assert OFFICE.add(jakarta(*MONDAY, 6, 30), 2 * HOUR) == jakarta(*MONDAY, 10)


def test_a_clock_started_after_closing_starts_at_the_next_opening():
    assert OFFICE.add(jakarta(*MONDAY, 18), HOUR) == jakarta(*TUESDAY, 9)


def test_a_clock_started_on_a_weekend_starts_on_monday():
    assert OFFICE.add(jakarta(*SATURDAY, 11), HOUR) == jakarta(*NEXT_MONDAY, 9)


def test_a_clock_started_on_a_holiday_starts_on_the_next_working_day():
    calendar = BusinessCalendar.office_hours(JAKARTA, holidays=[date(*TUESDAY)])
    assert calendar.add(jakarta(*TUESDAY, 10), HOUR) == jakarta(*WEDNESDAY, 9)
    assert calendar.add(jakarta(*MONDAY, 16), 3 * HOUR) == jakarta(*WEDNESDAY, 10)


def test_friday_afternoon_continues_on_monday_morning():
    assert OFFICE.add(jakarta(*FRIDAY, 15), 4 * HOUR) == jakarta(*NEXT_MONDAY, 10)
    assert OFFICE.working_time(jakarta(*FRIDAY, 15), jakarta(*NEXT_MONDAY, 10)) == 4 * HOUR


def test_holidays_next_to_a_weekend_make_one_long_break():
    calendar = BusinessCalendar.office_hours(JAKARTA, holidays=[date(*FRIDAY), date(*NEXT_MONDAY)])
    assert calendar.add(jakarta(2026, 6, 11, 16), 2 * HOUR) == jakarta(2026, 6, 16, 9)


def test_the_eid_collective_leave_of_2026_closes_the_office_for_a_week():
    # Wed 18 to Tue 24 March 2026: collective leave, Nyepi, Eid, a weekend, collective leave.
    calendar = BusinessCalendar.office_hours(JAKARTA, holidays=indonesian_holidays([2026]))
    assert calendar.add(jakarta(2026, 3, 17, 16), 3 * HOUR) == jakarta(2026, 3, 25, 10)


def test_a_window_end_is_the_due_instant_and_not_working_time():
    assert OFFICE.add(jakarta(*MONDAY, 8), 9 * HOUR) == jakarta(*MONDAY, 17)
    assert OFFICE.is_working(jakarta(*MONDAY, 8))
    assert not OFFICE.is_working(jakarta(*MONDAY, 17))


def test_a_zero_duration_is_due_at_the_first_working_instant():
    assert OFFICE.add(jakarta(*MONDAY, 10), timedelta(0)) == jakarta(*MONDAY, 10)
    assert OFFICE.add(jakarta(*MONDAY, 17), timedelta(0)) == jakarta(*TUESDAY, 8)
    assert OFFICE.add(jakarta(*SATURDAY, 9), timedelta(0)) == jakarta(*NEXT_MONDAY, 8)


def test_due_instants_are_returned_in_utc():
    due = OFFICE.add(jakarta(*MONDAY, 9), HOUR)
    assert due.tzinfo is UTC
    assert due == datetime(*MONDAY, 3, tzinfo=UTC)


def test_five_business_days_from_monday_noon_are_due_next_monday_noon():
    assert OFFICE.add(jakarta(*MONDAY, 12), 45 * HOUR) == jakarta(*NEXT_MONDAY, 12)


# --- split windows


def test_a_lunch_break_is_not_working_time():
    assert SPLIT.add(jakarta(*MONDAY, 11), 2 * HOUR) == jakarta(*MONDAY, 14)
    assert SPLIT.working_time(jakarta(*MONDAY, 11), jakarta(*MONDAY, 14)) == 2 * HOUR
    assert not SPLIT.is_working(jakarta(*MONDAY, 12, 30))


def test_a_clock_started_during_lunch_starts_after_lunch():
    assert SPLIT.add(jakarta(*MONDAY, 12, 30), HOUR) == jakarta(*MONDAY, 14)


def test_the_morning_window_ending_is_the_due_instant_not_the_afternoon_start():
    assert SPLIT.add(jakarta(*MONDAY, 8), 4 * HOUR) == jakarta(*MONDAY, 12)


def test_touching_windows_count_as_one():
    calendar = BusinessCalendar(JAKARTA, (((time(8), time(12)), (time(12), time(17))),) * 5 + ((), ()))
    assert calendar.add(jakarta(*MONDAY, 11), 2 * HOUR) == jakarta(*MONDAY, 13)
    assert calendar.is_working(jakarta(*MONDAY, 12))


# --- around the clock and midnight


def test_around_the_clock_counts_nights_weekends_and_holidays():
    calendar = BusinessCalendar.around_the_clock("Asia/Jakarta")
    assert calendar.add(jakarta(*SATURDAY, 22), 4 * HOUR) == jakarta(2026, 6, 14, 2)
    assert calendar.is_working(jakarta(*SATURDAY, 3))
    with_holiday = BusinessCalendar(JAKARTA, OFFICE.weekly, frozenset({date(*SATURDAY)}), always_open=True)
    assert with_holiday.working_time(jakarta(*SATURDAY), jakarta(2026, 6, 14)) == 24 * HOUR


def test_a_night_shift_is_written_as_a_window_ending_at_midnight_and_one_starting_at_midnight():
    # Friday 22:00-24:00 (time(0) as an end is 24:00) and Saturday 00:00-06:00.
    weekly = ((), (), (), (), ((time(22), time(0)),), ((time(0), time(6)),), ())
    calendar = BusinessCalendar(JAKARTA, weekly)
    assert calendar.add(jakarta(*FRIDAY, 23), 2 * HOUR) == jakarta(*SATURDAY, 1)
    assert calendar.add(jakarta(*FRIDAY, 22), 2 * HOUR) == jakarta(*SATURDAY, 0)
    assert calendar.working_time(jakarta(*FRIDAY, 12), jakarta(2026, 6, 14, 12)) == 8 * HOUR
    assert calendar.is_working(jakarta(*SATURDAY, 0))


# --- time zones


def test_the_same_local_schedule_is_due_an_hour_apart_in_wib_wita_and_wit():
    dues = {
        tz.key: BusinessCalendar.office_hours(tz).add(datetime(*MONDAY, 16, tzinfo=tz), 3 * HOUR)
        for tz in (JAKARTA, MAKASSAR, JAYAPURA)
    }
    assert dues == {
        "Asia/Jakarta": datetime(*TUESDAY, 3, tzinfo=UTC),
        "Asia/Makassar": datetime(*TUESDAY, 2, tzinfo=UTC),
        "Asia/Jayapura": datetime(*TUESDAY, 1, tzinfo=UTC),
    }
    assert {due.astimezone(ZoneInfo(key)).time() for key, due in dues.items()} == {time(10)}


def test_a_start_given_in_another_zone_is_read_as_the_same_instant():
    start_in_utc = datetime(*MONDAY, 9, tzinfo=UTC)  # 16:00 in Jakarta
    assert OFFICE.add(start_in_utc, 3 * HOUR) == jakarta(*TUESDAY, 10)


def test_a_target_over_the_spring_forward_weekend_is_due_at_the_same_wall_clock_time():
    calendar = BusinessCalendar.office_hours(BERLIN)
    due = calendar.add(datetime(2026, 3, 27, 16, tzinfo=BERLIN), 3 * HOUR)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)  # 10:00 CEST
    assert due.astimezone(BERLIN).time() == time(10)


def test_a_target_over_the_fall_back_weekend_is_due_at_the_same_wall_clock_time():
    calendar = BusinessCalendar.office_hours(BERLIN)
    due = calendar.add(datetime(2026, 10, 23, 16, tzinfo=BERLIN), 3 * HOUR)
    assert due == datetime(2026, 10, 26, 9, tzinfo=UTC)  # 10:00 CET
    assert (
        calendar.working_time(datetime(2026, 10, 19, tzinfo=BERLIN), datetime(2026, 11, 2, tzinfo=BERLIN)) == 90 * HOUR
    )


def test_an_office_day_on_a_dst_sunday_is_still_nine_hours():
    calendar = BusinessCalendar.office_hours(BERLIN, days=range(7))
    for sunday in (date(2026, 3, 29), date(2026, 10, 25)):
        midnight = datetime.combine(sunday, time(0), tzinfo=BERLIN)
        assert calendar.working_time(midnight, midnight + 2 * DAY) == 18 * HOUR


def test_a_window_containing_the_spring_forward_gap_is_an_hour_shorter():
    night = BusinessCalendar(BERLIN, ((),) * 6 + (((time(1), time(4)),),))
    start = datetime(2026, 3, 29, 1, tzinfo=BERLIN)
    assert night.working_time(start, datetime(2026, 3, 29, 12, tzinfo=BERLIN)) == 2 * HOUR
    assert night.add(start, 2 * HOUR) == datetime(2026, 3, 29, 2, tzinfo=UTC)  # 04:00 CEST
    one_more = timedelta(microseconds=1)
    assert night.add(start, 2 * HOUR + one_more) == datetime(2026, 4, 5, 1, tzinfo=BERLIN) + one_more


def test_a_window_containing_the_repeated_fall_back_hour_is_an_hour_longer():
    night = BusinessCalendar(BERLIN, ((),) * 6 + (((time(1), time(4)),),))
    start = datetime(2026, 10, 25, 1, tzinfo=BERLIN)  # 01:00 CEST, 23:00 UTC the day before
    assert night.working_time(start, datetime(2026, 10, 25, 12, tzinfo=BERLIN)) == 4 * HOUR
    assert night.add(start, 4 * HOUR) == datetime(2026, 10, 25, 3, tzinfo=UTC)  # 04:00 CET
    # The first 02:30 (fold=0, summer time) and the second (fold=1, winter time) both work.
    assert night.is_working(datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN))
    assert night.is_working(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN))


def test_a_window_boundary_inside_the_gap_is_read_with_fold_zero():
    # 02:30 does not exist on 2026-03-29; fold=0 reads it with the winter offset: 01:30 UTC.
    night = BusinessCalendar(BERLIN, ((),) * 6 + (((time(2, 30), time(5)),),))
    start = datetime(2026, 3, 29, tzinfo=BERLIN)
    assert night.add(start, timedelta(0)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert night.working_time(start, start + DAY) == timedelta(hours=1, minutes=30)


def test_windows_whose_boundaries_fall_in_the_gap_never_count_an_instant_twice():
    # On 2026-03-29, 02:30 (fold=0) is 01:30 UTC but 03:00 is 01:00 UTC: the second window is
    # clipped to start where the first ends, so the night counts its 5 real hours, not 5.5.
    night = BusinessCalendar(BERLIN, ((),) * 6 + (((time(0), time(2, 30)), (time(3), time(6))),))
    start = datetime(2026, 3, 29, tzinfo=BERLIN)
    assert night.working_time(start, start + DAY) == 5 * HOUR
    assert night.add(start, 5 * HOUR) == datetime(2026, 3, 29, 4, tzinfo=UTC)  # 06:00 CEST


def test_around_the_clock_counts_real_hours_over_the_spring_forward_night():
    calendar = BusinessCalendar.around_the_clock(BERLIN)
    due = calendar.add(datetime(2026, 3, 28, 12, tzinfo=BERLIN), 24 * HOUR)
    assert due == datetime(2026, 3, 29, 13, tzinfo=BERLIN)


# --- inverse


@pytest.mark.parametrize(
    "calendar", [OFFICE, SPLIT, BusinessCalendar.office_hours(BERLIN)], ids=["office", "split", "berlin"]
)
@pytest.mark.parametrize("hours", [0, 0.5, 1, 4, 9, 13.25, 45, 100, 1000])
def test_working_time_up_to_the_due_instant_is_the_duration_added(calendar, hours):
    duration = timedelta(hours=hours)
    for start in (jakarta(*MONDAY, 7, 59), jakarta(*FRIDAY, 16, 30), jakarta(2026, 3, 26, 12, 15)):
        assert calendar.working_time(start, calendar.add(start, duration)) == duration


def test_working_time_is_zero_when_the_end_is_not_after_the_start():
    assert OFFICE.working_time(jakarta(*MONDAY, 12), jakarta(*MONDAY, 12)) == timedelta(0)
    assert OFFICE.working_time(jakarta(*MONDAY, 12), jakarta(*MONDAY, 9)) == timedelta(0)


# --- stop-start clocks


def test_one_open_run_is_due_when_add_says():
    runs = [(jakarta(*MONDAY, 16), None)]
    assert due_from_runs(OFFICE, runs, 3 * HOUR) == OFFICE.add(jakarta(*MONDAY, 16), 3 * HOUR)


def test_a_pause_and_resume_extends_the_due_time_by_exactly_the_paused_working_time():
    target = 9 * HOUR
    unpaused = due_from_runs(OFFICE, [(jakarta(*MONDAY, 9), None)], target)
    paused = due_from_runs(OFFICE, [(jakarta(*MONDAY, 9), jakarta(*MONDAY, 11)), (jakarta(*MONDAY, 14), None)], target)
    assert unpaused == jakarta(*TUESDAY, 9)
    assert paused == jakarta(*TUESDAY, 12)
    assert OFFICE.working_time(unpaused, paused) == OFFICE.working_time(jakarta(*MONDAY, 11), jakarta(*MONDAY, 14))


def test_a_pause_outside_working_hours_does_not_move_the_due_time():
    runs = [(jakarta(*MONDAY, 9), jakarta(*MONDAY, 18)), (jakarta(*TUESDAY, 7), None)]
    assert due_from_runs(OFFICE, runs, 12 * HOUR) == jakarta(*TUESDAY, 12)
    assert due_from_runs(OFFICE, runs, 12 * HOUR) == due_from_runs(OFFICE, [(jakarta(*MONDAY, 9), None)], 12 * HOUR)


def test_a_stopped_clock_short_of_its_target_has_no_due_time():
    runs = [(jakarta(*MONDAY, 9), jakarta(*MONDAY, 11)), (jakarta(*MONDAY, 14), jakarta(*MONDAY, 15))]
    assert due_from_runs(OFFICE, runs, 4 * HOUR) is None
    assert due_from_runs(OFFICE, [], 4 * HOUR) is None


def test_a_target_reached_before_a_pause_is_due_inside_that_run():
    runs = [(jakarta(*MONDAY, 9), jakarta(*TUESDAY, 12)), (jakarta(*WEDNESDAY, 9), None)]
    assert due_from_runs(OFFICE, runs, 4 * HOUR) == jakarta(*MONDAY, 13)
    # Reached exactly as the clock stopped: the end of the run, not the next run.
    assert due_from_runs(OFFICE, runs[:1], 12 * HOUR) == jakarta(*TUESDAY, 12)


def test_a_zero_target_is_due_at_the_first_working_instant_inside_a_run():
    runs = [(jakarta(*MONDAY, 6), jakarta(*MONDAY, 8)), (jakarta(*MONDAY, 10), None)]
    assert due_from_runs(OFFICE, runs, timedelta(0)) == jakarta(*MONDAY, 10)
    assert due_from_runs(OFFICE, runs[:1], timedelta(0)) is None


def test_working_time_in_runs_counts_an_open_run_up_to_until():
    runs = [(jakarta(*MONDAY, 9), jakarta(*MONDAY, 11)), (jakarta(*MONDAY, 14), None)]
    assert working_time_in_runs(OFFICE, runs, until=jakarta(*TUESDAY, 10)) == 7 * HOUR
    assert working_time_in_runs(OFFICE, runs, until=jakarta(*MONDAY, 10)) == HOUR
    assert working_time_in_runs(OFFICE, [], until=jakarta(*MONDAY, 10)) == timedelta(0)


@pytest.mark.parametrize(
    "runs",
    [
        [(jakarta(*MONDAY, 9), None), (jakarta(*MONDAY, 14), None)],
        [(jakarta(*MONDAY, 9), jakarta(*MONDAY, 12)), (jakarta(*MONDAY, 11), None)],
        [(jakarta(*MONDAY, 12), jakarta(*MONDAY, 9))],
        [(datetime(*MONDAY, 9), None)],
        [(jakarta(*MONDAY, 9), datetime(*MONDAY, 10))],
    ],
    ids=["open-not-last", "overlapping", "backwards", "naive-start", "naive-end"],
)
def test_malformed_runs_are_refused(runs):
    with pytest.raises(ValueError):
        due_from_runs(OFFICE, runs, HOUR)
    with pytest.raises(ValueError):
        working_time_in_runs(OFFICE, runs, until=jakarta(*TUESDAY, 9))


# --- Indonesian holidays


def test_indonesian_holidays_include_independence_day():
    found = indonesian_holidays([2026])
    assert found[date(2026, 8, 17)] == "Independence Day"
    assert all(day.year == 2026 for day in found)
    assert list(found) == sorted(found)


def test_indonesian_holidays_include_collective_leave():
    found = indonesian_holidays([2025, 2026])
    assert found[date(2026, 12, 24)] == "Christmas Joint Holiday"
    assert found[date(2025, 8, 18)] == "Independence Day Joint Holiday"


def test_indonesian_holiday_names_can_be_in_bahasa_indonesia():
    found = indonesian_holidays([2026], language="id")
    assert found[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert found[date(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"


# --- refusals


def test_naive_datetimes_are_refused():
    naive = datetime(*MONDAY, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.add(naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.working_time(naive, jakarta(*MONDAY, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.working_time(jakarta(*MONDAY, 9), datetime(*MONDAY, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.is_working(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_in_runs(OFFICE, [(jakarta(*MONDAY, 9), None)], until=naive)


def test_a_negative_duration_or_target_is_refused():
    with pytest.raises(ValueError):
        OFFICE.add(jakarta(*MONDAY, 9), -HOUR)
    with pytest.raises(ValueError):
        due_from_runs(OFFICE, [(jakarta(*MONDAY, 9), None)], -HOUR)


@pytest.mark.parametrize(
    "weekly",
    [
        ((),) * 6,
        ((),) * 7,
        (((time(17), time(8)),),) + ((),) * 6,
        (((time(8), time(8)),),) + ((),) * 6,
        (((time(8), time(13)), (time(12), time(17))),) + ((),) * 6,
        (((time(13), time(17)), (time(8), time(12))),) + ((),) * 6,
        (((time(8, tzinfo=UTC), time(17)),),) + ((),) * 6,
    ],
    ids=["six-days", "no-window", "backwards", "empty-window", "overlapping", "unsorted", "aware-time"],
)
def test_malformed_weekly_hours_are_refused(weekly):
    with pytest.raises(ValueError):
        BusinessCalendar(JAKARTA, weekly)


def test_office_hours_refuse_a_weekday_outside_monday_to_sunday():
    with pytest.raises(ValueError):
        BusinessCalendar.office_hours(JAKARTA, days=[0, 7])


def test_a_datetime_is_refused_as_a_holiday():
    with pytest.raises(ValueError):
        BusinessCalendar.office_hours(JAKARTA, holidays=[jakarta(*MONDAY)])


def test_calendars_built_alike_are_equal_and_hashable():
    by_name = BusinessCalendar.office_hours("Asia/Jakarta", holidays=[date(*FRIDAY)])
    by_zone = BusinessCalendar.office_hours(JAKARTA, holidays={date(*FRIDAY)})
    assert by_name == by_zone
    assert len({by_name, by_zone}) == 1
