"""What a form field may be sent: a value a browser would post for it, or one a hostile
client could post instead (markup, control characters, NUL bytes, text far past the
field's length, numbers past what ids and the database hold, days no calendar has, a
list where one value belongs), or nothing at all.

Some values only exist once a test has built its rows (the id of a category, the
signed-in person's username); the strategies draw a marker for those, and ``resolve``
turns it into what is sent."""

import os
from dataclasses import dataclass
from typing import Any

from django import forms
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per form: a few dozen in every run; HELPDESK_FUZZ_EXAMPLES=1000 for a deeper search.
FUZZ = settings(
    max_examples=int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_TEXT = (
    "",
    " ",
    "' \" < > &",
    "<script>alert(1)</script>",
    "😀🙂👍🏽",
    "\r\n",
    "Printer\r\nBcc: x@example.com",
    "\x00",
    "a\x00b",
    "\x1b[2J\x07",
    "\u202eevil\u202c",
    "%s %(name)s {0} {{ x }}",
    "ñ" * 250,
    "x" * 100_000,
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    str(2**31),
    str(2**63),
    str(10**30),
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13",
    "0000-00",
    "24:00",
    "23:59:60",
    "../../etc/passwd",
    "//evil.example.com/",
    "javascript:alert(1)",
)
HOSTILE_IDS = ("0", "-1", str(2**31), str(2**63), str(10**30), "1.0", " 1", "1e3", "abc", "None", "null")


@dataclass(frozen=True)
class Pick:
    """One of the rows a model choice field offers, by position (wrapping around)."""

    index: int


@dataclass(frozen=True)
class Known:
    """An attribute of the person the request is for (their username, email)."""

    attribute: str


@dataclass(frozen=True)
class Secret:
    """The password every test person has."""


@dataclass(frozen=True)
class Same:
    """Whatever was sent for another field of the same form (a password's confirmation)."""

    field: str


@dataclass(frozen=True)
class Upload:
    """A file to send, under any name a client may give it (none, a path, a dot)."""

    name: str
    content: bytes


hostile_text = st.sampled_from(HOSTILE_TEXT)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
FILE_NAMES = (
    "printer.txt",
    "screen.png",
    "report.pdf",
    "evil.exe",
    "no extension",
    ".",
    "..",
    "../../etc/passwd.txt",
    "C:\\fakepath\\log.txt",
    "x" * 300 + ".txt",
    "😀 résumé.pdf",
    "page.html",
    "\u202etxt.exe",
)
FILE_CONTENTS = (
    b"",
    b"jams",
    PNG,
    b"%PDF-1.4\n",
    b"<html><script>alert(1)</script>",
    b"\x00" * 16,
    b"MZ\x90\x00",
    b"x" * 3000,
)

uploads = st.builds(
    Upload,
    name=st.one_of(st.sampled_from(FILE_NAMES), st.text(max_size=40)),
    content=st.one_of(st.sampled_from(FILE_CONTENTS), st.binary(max_size=64)),
)


def text_for(max_length: int | None) -> st.SearchStrategy[str]:
    """Text a person might type, of any script and with any character a form can carry."""
    longest = min(max_length or 300, 300)
    values = [st.text(max_size=longest), st.text(min_size=1, max_size=20).map(str.strip).filter(bool)]
    if max_length:
        values.append(st.just("y" * (max_length + 1)))
    return st.one_of(*values)


def choice_keys(field: forms.ChoiceField) -> list[str]:
    return [str(key) for key, _label in field.choices if key != ""]


def valid_value(field: forms.Field) -> st.SearchStrategy[Any]:
    """What a browser would send for the field, from the field's own definition."""
    if isinstance(field, forms.FileField):
        return uploads
    if isinstance(field, forms.ModelChoiceField):
        return st.builds(Pick, st.integers(min_value=0, max_value=20))
    if isinstance(field, forms.ChoiceField) and choice_keys(field):
        return st.sampled_from(choice_keys(field))
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "true", "1", "false", "0", ""])
    if isinstance(field, forms.DateField):
        formats = getattr(field, "input_formats", None) or ["%Y-%m-%d"]
        if formats == ["%Y-%m"]:
            return st.dates().map(lambda day: day.isoformat()[:7])
        return st.dates().map(lambda day: day.isoformat())
    if isinstance(field, forms.TimeField):
        return st.times().map(lambda moment: moment.strftime("%H:%M"))
    if isinstance(field, forms.EmailField):
        return st.emails()
    return text_for(getattr(field, "max_length", None))


def hostile_value(field: forms.Field) -> st.SearchStrategy[Any]:
    if isinstance(field, forms.FileField):
        return st.one_of(uploads, hostile_text)
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        return st.one_of(st.sampled_from(HOSTILE_IDS), hostile_text)
    return hostile_text


def value_for(field: forms.Field) -> st.SearchStrategy[Any]:
    """One value, or several under the same name (repeated keys)."""
    one = st.one_of(valid_value(field), valid_value(field), hostile_value(field))
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(one, max_size=4)
    return st.one_of(one, one, st.lists(one, min_size=2, max_size=3))


extra_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters='"\\\r\n', exclude_categories=["Cs", "Cc"]),
    min_size=1,
    max_size=20,
)


def payloads(fields: dict[str, forms.Field], overrides: dict[str, st.SearchStrategy] | None = None):
    """A form's data: any of its fields present or missing, each with a valid, hostile or
    repeated value, and now and then names the form does not have."""
    overrides = overrides or {}
    every = {name: overrides.get(name, value_for(field)) for name, field in fields.items()}
    every.update({name: strategy for name, strategy in overrides.items() if name not in every})
    complete = st.fixed_dictionaries(every)
    partial = st.fixed_dictionaries({}, optional=every)
    extra = st.dictionaries(extra_names, st.one_of(hostile_text, st.lists(hostile_text, max_size=2)), max_size=3)
    with_extra = st.tuples(complete, extra).map(lambda pair: {**pair[1], **pair[0]})
    return st.one_of(complete, complete, partial, with_extra)


def form_fields(form: forms.BaseForm) -> dict[str, forms.Field]:
    return dict(form.fields)


def resolve(value: Any, *, choices: list[str], person, sent: dict) -> Any:
    """What is sent for a drawn value, now that the rows it may name exist."""
    if isinstance(value, list):
        return [resolve(item, choices=choices, person=person, sent=sent) for item in value]
    if isinstance(value, Pick):
        return choices[value.index % len(choices)] if choices else ""
    if isinstance(value, Known):
        return getattr(person, value.attribute)
    if isinstance(value, Secret):
        return "pw"
    if isinstance(value, Same):
        return sent.get(value.field, "")
    return value


def last(data: dict, name: str) -> Any:
    """The value a form reads for a name sent once or several times (the last one)."""
    value = data.get(name)
    return value[-1] if isinstance(value, list) and value else (None if isinstance(value, list) else value)


BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


def _quoted(name: str) -> str:
    # As browsers write a name into a part's header (the HTML standard's form encoding).
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(data: dict) -> bytes:
    """A multipart/form-data body as a browser writes it, files under exactly the names
    given (Django's test client would refuse an empty one or a dot)."""
    parts = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Upload):
                head = (
                    f'Content-Disposition: form-data; name="{_quoted(key)}"; filename="{_quoted(item.name)}"\r\n'
                    "Content-Type: application/octet-stream"
                )
                body = item.content
            else:
                head, body = f'Content-Disposition: form-data; name="{_quoted(key)}"', str(item).encode()
            parts.append(f"--{BOUNDARY}\r\n{head}\r\n\r\n".encode() + body + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
