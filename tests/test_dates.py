from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.dates import html_datetime, parse_date, resolve_zone, rfc3339

UTC = timezone.utc
CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 11 Jan 2022 04:39:04 GMT", datetime(2022, 1, 11, 4, 39, 4, tzinfo=UTC)),
        ("Sun, 12 Sep 2021 18:08:39 +0800", datetime(2021, 9, 12, 18, 8, 39, tzinfo=CST)),
        ("2021-10-28 14:08:07", datetime(2021, 10, 28, 14, 8, 7, tzinfo=CST)),
        ("2013-06-05 10:49", datetime(2013, 6, 5, 10, 49, tzinfo=CST)),
        ("2021-10-28 4:08:07", datetime(2021, 10, 28, 4, 8, 7, tzinfo=CST)),
        ("2019/4/2 9:05:00", datetime(2019, 4, 2, 9, 5, tzinfo=CST)),
        ("2018-01-29T09:20:29.547Z", datetime(2018, 1, 29, 9, 20, 29, 547000, tzinfo=UTC)),
        ("2022-02-18 20:00:00 +0800", datetime(2022, 2, 18, 20, tzinfo=CST)),
        ("2024-01-14T19:15:00+03:00", datetime(2024, 1, 14, 19, 15, tzinfo=timezone(timedelta(hours=3)))),
        ("2015-02-24", datetime(2015, 2, 24, tzinfo=CST)),
        ("'2018-06-13'", datetime(2018, 6, 13, tzinfo=CST)),
        ("2021年10月28日 14:08", datetime(2021, 10, 28, 14, 8, tzinfo=CST)),
        (date(2020, 1, 2), datetime(2020, 1, 2, tzinfo=CST)),
        (datetime(2024, 11, 2, 15, 1, 54, tzinfo=CST), datetime(2024, 11, 2, 15, 1, 54, tzinfo=CST)),
    ],
)
def test_every_form_becomes_timezone_aware(value: object, expected: datetime) -> None:
    got, reason = parse_date(value, CST)
    assert reason is None
    assert got == expected
    assert got.tzinfo is not None
    assert got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "value", ["Invalid Date", "2024-07-24 016:51 +0800", "yesterday", "2021-13-01", True]
)
def test_garbage_is_no_date_and_a_reason(value: object) -> None:
    got, reason = parse_date(value, UTC)
    assert got is None
    assert reason


@pytest.mark.parametrize("value", [None, "", "   ", []])
def test_empty_is_no_date_and_no_complaint(value: object) -> None:
    assert parse_date(value) == (None, None)


def test_naive_dates_take_the_local_zone_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    got, _ = parse_date("2021-06-01 12:00:00")
    assert got is not None and got.tzinfo is not None
    assert got.utcoffset() == datetime(2021, 6, 1, 12).astimezone().utcoffset()


def test_zone_names() -> None:
    assert resolve_zone(None) is None
    assert resolve_zone("UTC") is UTC
    assert resolve_zone("+08:00") == CST
    assert str(resolve_zone("Asia/Shanghai")) == "Asia/Shanghai"
    with pytest.raises(ValueError):
        resolve_zone("Mars/Olympus")


def test_rfc3339_keeps_the_offset_and_precision() -> None:
    assert rfc3339(datetime(2022, 1, 11, 4, 39, 4, tzinfo=UTC)) == "2022-01-11T04:39:04+00:00"
    assert rfc3339(datetime(2018, 1, 29, 9, 20, 29, 547000, tzinfo=UTC)) == "2018-01-29T09:20:29.547+00:00"
    assert rfc3339(None) is None
    assert (
        html_datetime(datetime(2018, 1, 29, 9, 20, 29, 547123, tzinfo=UTC)) == "2018-01-29T09:20:29.547+00:00"
    )


_DAYS = ["", "Mon, ", "Tue, ", "Sun, "]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_ZONES = ["GMT", "UTC", "UT", "Z", "+0000", "-0000", "+0800", "-0530", "+1400", "-1200", "+0099", "+2400"]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_DAYS), st.integers(1, 31), st.booleans(), st.sampled_from(_MONTHS), st.integers(1900, 2100),
    st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.sampled_from(_ZONES),
)  # fmt: skip
def test_the_common_rfc_2822_form_reads_as_email_utils_reads_it(
    day: str, d: int, pad: bool, month: str, year: int, h: int, mi: int, s: int, zone: str
) -> None:
    import email.utils
    import re as _re

    from converters.dates import _parse_text

    text = f"{day}{d:02d} {month} {year} {h:02d}:{mi:02d}:{s:02d} {zone}" if pad else (
        f"{day}{d} {month} {year} {h:02d}:{mi:02d}:{s:02d} {zone}"
    )  # fmt: skip

    def reference() -> object:
        dt = email.utils.parsedate_to_datetime(text)
        if dt.tzinfo is None and not _re.search(r"-0000\s*$", text):
            return dt
        return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)

    try:
        expected: object = reference()
    except ValueError:
        expected = ValueError
    try:
        got: object = _parse_text(text)
    except ValueError:
        got = ValueError
    assert got == expected
    if isinstance(got, datetime):
        assert got.utcoffset() == expected.utcoffset()  # type: ignore[union-attr]


def _outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except (ValueError, OverflowError) as e:  # what parse_date turns into "unreadable date"
        return type(e)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.builds(
            "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}".format,
            st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.sampled_from(" Tt_"),
            st.integers(0, 25), st.integers(0, 61), st.integers(0, 61),
        ),
        st.text(alphabet="0123456789-: T+Z./t", min_size=19, max_size=19),
        st.builds(
            "{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT".format,
            st.sampled_from(["Mon", "Tue", "Sun", "Tue,", "Xyz"]), st.integers(0, 32),
            st.sampled_from(["Jan", "Feb", "Dec", "jan", "Foo"]), st.integers(0, 9999),
            st.integers(0, 25), st.integers(0, 61), st.integers(0, 61),
        ),
        st.text(alphabet="0123456789: ,MonTueJanGMT.+-", min_size=29, max_size=29),
    )
)  # fmt: skip
def test_the_fast_paths_read_as_the_general_forms(text: str) -> None:
    from converters.dates import _parse_forms, _parse_text

    assert _outcome(_parse_text, text) == _outcome(_parse_forms, text)


def test_a_date_from_the_file_name_when_the_front_matter_has_none() -> None:
    """Jekyll's _posts/2011-10-21-title.md, and Hexo's :year-:month-:day-:title.md (#17 item 1): the
    front matter's date wins; without a usable one, the name's, at midnight in the zone given."""
    from datetime import timedelta, timezone

    from converters.dates import date_from_name
    from converters.reading import read_text

    zone = timezone(timedelta(hours=8))
    assert date_from_name("_posts/2011-10-21-hello.md", zone) == datetime(2011, 10, 21, tzinfo=zone)
    assert date_from_name("2021-13-45-not-a-date.md") is None and date_from_name("hello.md") is None
    named = "_posts/2011-10-21-hello.md"
    assert read_text("---\ntitle: x\n---\nbody", named, zone).meta.date == datetime(2011, 10, 21, tzinfo=zone)
    assert read_text("---\ndate: 2020-01-02\n---\nbody", named, zone).meta.date == datetime(
        2020, 1, 2, tzinfo=zone
    )
    broken = read_text('---\ndate: "{{ date }}"\n---\nbody', named, zone)
    assert (
        broken.meta.date == datetime(2011, 10, 21, tzinfo=zone)
        and "unreadable date" in broken.problems[0].message
    )
