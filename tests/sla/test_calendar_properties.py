from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sla.calendars import BusinessCalendar, due_from_runs, indonesian_holidays, working_time_in_runs

JAKARTA = ZoneInfo("Asia/Jakarta")
MAKASSAR = ZoneInfo("Asia/Makassar")
BERLIN = ZoneInfo("Europe/Berlin")
JAYAPURA = ZoneInfo("Asia/Jayapura")
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2027, 12, 31)
MICROSECOND = timedelta(microseconds=1)
HOUR = timedelta(hours=1)

OFFICE_DAY = ((time(8), time(17)),)
CALENDARS = {
    "jakarta office with holidays": BusinessCalendar.office_hours(
        JAKARTA, holidays=indonesian_holidays(range(FIRST_DAY.year, LAST_DAY.year + 2))
    ),
    "makassar split windows": BusinessCalendar(
        MAKASSAR,
        (((time(8), time(12)), (time(13), time(17))),) * 5 + (((time(9), time(13)),), ()),
        frozenset({date(2026, 8, 17), date(2026, 12, 25)}),
    ),
    "berlin office": BusinessCalendar.office_hours(BERLIN, holidays=[date(2026, 10, 3), date(2026, 12, 25)]),
    # Windows that touch and cross the DST transitions (02:00-03:00 on the last Sundays of
    # March and October), one of them with a boundary that does not exist in March.
    "berlin weekend nights": BusinessCalendar(
        BERLIN,
        (OFFICE_DAY,) * 5 + (((time(22), time(0)),), ((time(0), time(2, 30)), (time(3), time(6)))),
    ),
    "berlin 24x7": BusinessCalendar.around_the_clock(BERLIN),
}
# Weekends on which Berlin changes its clocks, so that they are drawn often.
DST_DAYS = [
    sunday + timedelta(days=shift)
    for sunday in (date(2025, 3, 30), date(2025, 10, 26), date(2026, 3, 29), date(2026, 10, 25))
    for shift in (-2, -1, 0, 1)
]
# Window boundaries and times inside the DST gap or the repeated hour.
WALL_TIMES = [time(0), time(2, 30), time(3), time(6), time(8), time(12), time(13), time(17), time(22), time(23, 59)]

calendar_names = st.sampled_from(sorted(CALENDARS))


def microseconds_up_to(limit: timedelta) -> st.SearchStrategy[timedelta]:
    # Cheaper to draw than st.timedeltas, which draws days, seconds and microseconds apart.
    return st.integers(min_value=0, max_value=limit // MICROSECOND).map(lambda count: count * MICROSECOND)


durations = st.one_of(
    microseconds_up_to(timedelta(hours=400)),
    st.integers(min_value=0, max_value=100).map(lambda hours: timedelta(hours=hours)),
)
positive_durations = durations.filter(lambda duration: duration > timedelta(0))
spans = microseconds_up_to(timedelta(days=3))
fractions = st.floats(min_value=0, max_value=1)

fast = settings(max_examples=200, deadline=None, database=None)


@st.composite
def starts(draw, tz: ZoneInfo) -> datetime:
    """Any instant, or often one on a window boundary or a DST weekend, in the calendar's zone."""
    if draw(st.booleans()):
        return datetime.combine(FIRST_DAY, time(0), tzinfo=UTC) + draw(microseconds_up_to(LAST_DAY - FIRST_DAY))
    day = draw(st.one_of(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY), st.sampled_from(DST_DAYS)))
    return datetime.combine(day, draw(st.sampled_from(WALL_TIMES)), tzinfo=tz).replace(fold=draw(st.integers(0, 1)))


@st.composite
def calendars_and_starts(draw) -> tuple[BusinessCalendar, datetime]:
    calendar = CALENDARS[draw(calendar_names)]
    return calendar, draw(starts(calendar.tz))


@st.composite
def calendars_and_runs(draw) -> tuple[BusinessCalendar, list[tuple[datetime, datetime | None]]]:
    """Up to five runs with pauses between them; the last one open or closed."""
    calendar, start = draw(calendars_and_starts())
    at = start.astimezone(UTC)
    runs: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        end = at + draw(spans)
        runs.append((at, end))
        at = end + draw(spans)
    if draw(st.booleans()):
        runs[-1] = (runs[-1][0], None)
    return calendar, runs


@fast
@given(calendars_and_starts(), durations)
def test_a_due_time_is_a_working_instant_or_the_end_of_a_working_window(case, duration):
    calendar, start = case
    due = calendar.add(start, duration)
    assert due >= start
    if duration:
        assert calendar.is_working(due - MICROSECOND)
    else:
        assert calendar.is_working(due)


@fast
@given(calendars_and_starts(), durations, durations)
def test_a_longer_duration_is_never_due_earlier(case, one, other):
    calendar, start = case
    shorter, longer = sorted((one, other))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@fast
@given(calendars_and_starts(), spans, durations)
# Adding to a local datetime is wall-clock arithmetic that drops fold: 02:30 fold=1 + 0 is
# 02:30 fold=0, an hour earlier. The later start must be computed in UTC.
@example((CALENDARS["berlin 24x7"], datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)), timedelta(0), HOUR)
def test_a_later_start_is_never_due_earlier(case, delay, duration):
    calendar, start = case
    assert calendar.add(start, duration) <= calendar.add(start.astimezone(UTC) + delay, duration)


@fast
@given(calendars_and_starts(), durations, positive_durations)
def test_adding_in_two_steps_is_adding_the_sum(case, first, second):
    calendar, start = case
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)


@fast
@given(calendars_and_starts(), durations)
def test_working_time_up_to_the_due_instant_is_the_duration(case, duration):
    calendar, start = case
    assert calendar.working_time(start, calendar.add(start, duration)) == duration


@fast
@given(calendars_and_starts(), spans, spans)
def test_working_time_over_two_adjacent_spans_is_the_sum_of_each(case, first, second):
    calendar, start = case
    middle = start.astimezone(UTC) + first
    end = middle + second
    assert calendar.working_time(start, end) == calendar.working_time(start, middle) + calendar.working_time(
        middle, end
    )
    assert calendar.working_time(start, end) <= end - start


@fast
@given(calendars_and_starts(), durations)
def test_one_open_run_is_due_when_add_says(case, target):
    calendar, start = case
    assert due_from_runs(calendar, [(start, None)], target) == calendar.add(start, target)


@fast
@given(calendars_and_runs(), durations, st.data())
def test_a_pause_never_makes_the_due_time_earlier(case, target, data):
    calendar, runs = case
    index = data.draw(st.integers(min_value=0, max_value=len(runs) - 1))
    run_start, run_end = runs[index]
    length = data.draw(spans) if run_end is None else run_end - run_start
    pause_start = run_start + length * data.draw(fractions)
    if run_end is None:
        pause_end = pause_start + data.draw(spans)
    else:
        pause_end = pause_start + (run_end - pause_start) * data.draw(fractions)
    paused = [*runs[:index], (run_start, pause_start), (pause_end, run_end), *runs[index + 1 :]]

    due = due_from_runs(calendar, runs, target)
    due_with_pause = due_from_runs(calendar, paused, target)
    if due_with_pause is not None:
        assert due is not None
        assert due_with_pause >= due


@fast
@given(calendars_and_runs(), durations)
def test_recomputing_from_the_same_runs_gives_the_same_result(case, target):
    calendar, runs = case
    in_another_zone = [(start.astimezone(JAYAPURA), end and end.astimezone(JAYAPURA)) for start, end in runs]
    until = runs[-1][0] + timedelta(days=2)
    assert due_from_runs(calendar, runs, target) == due_from_runs(calendar, list(runs), target)
    assert due_from_runs(calendar, runs, target) == due_from_runs(calendar, in_another_zone, target)
    assert working_time_in_runs(calendar, runs, until=until) == working_time_in_runs(
        calendar, in_another_zone, until=until
    )


@fast
@given(calendars_and_runs(), durations)
def test_the_time_consumed_by_the_due_instant_is_the_target(case, target):
    calendar, runs = case
    due = due_from_runs(calendar, runs, target)
    if due is None:
        # Stopped short of the target; or, for a zero target, stopped before any working instant.
        assert runs[-1][1] is not None
        consumed = working_time_in_runs(calendar, runs, until=runs[-1][1])
        assert consumed < target or consumed == target == timedelta(0)
    else:
        assert working_time_in_runs(calendar, runs, until=due) == target
