import pytest
from django.core.exceptions import ValidationError

from replies.placeholders import PLACEHOLDERS, placeholders_check, placeholders_fill

VALUES = {
    "requester_first_name": "Rina",
    "ticket_reference": "HD-000042",
    "agent_name": "Andi Pratama",
    "level": "Level II",
}


def refusal(text: str) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        placeholders_check(text)
    return raised.value.messages


def test_every_known_placeholder_is_accepted_and_filled_in():
    text = "Hi {requester_first_name}, {ticket_reference} is with {agent_name} at {level}."
    placeholders_check(text)
    assert placeholders_fill(text, VALUES) == "Hi Rina, HD-000042 is with Andi Pratama at Level II."
    assert set(PLACEHOLDERS) == set(VALUES)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Hello {name}", "{name}"),
        ("{0}", "{0}"),
        ("{}", "{}"),
        ("{x.y}", "{x.y}"),
        ("{x.__class__}", "{x.__class__}"),
        ("{requester_first_name.__class__.__mro__}", "{requester_first_name.__class__.__mro__}"),
        ("{ticket_reference[0]}", "{ticket_reference[0]}"),
        ("{agent_name!r}", "{agent_name!r}"),
        ("{level:>10}", "{level:>10}"),
        ("{ requester_first_name }", "{ requester_first_name }"),
        ("{Requester_First_Name}", "{Requester_First_Name}"),
        ("{nama_depan 🙂}", "{nama_depan 🙂}"),
    ],
)
def test_an_unknown_placeholder_is_refused_with_its_name(text, named):
    [message] = refusal(text)
    assert named in message and "{requester_first_name}" in message


@pytest.mark.parametrize("text", ["Open { here", "{requester_first_name", "{a{b}", "{{{x"])
def test_an_unclosed_brace_is_refused(text):
    assert any("never closed" in message for message in refusal(text))


@pytest.mark.parametrize("text", ["closes } nothing", "requester_first_name}", "}}}", "a {{b} c"])
def test_a_stray_closing_brace_is_refused(text):
    assert any("closes nothing" in message for message in refusal(text))


def test_double_braces_write_a_brace_itself():
    text = 'Use {{ and }} for JSON: {{"ref": "{ticket_reference}"}}'
    placeholders_check(text)
    assert placeholders_fill(text, VALUES) == 'Use { and } for JSON: {"ref": "HD-000042"}'


def test_a_very_long_unknown_name_is_shortened_in_the_message():
    name = "ü" * 250
    [message] = refusal("{" + name + "}")
    assert "…" in message and len(message) < 400


@pytest.mark.parametrize(
    "value",
    ["{ticket_reference}", "{{", "%s %(x)s", "' \" < > &", "🙂🔥", "line\r\nbreak", "é" * 250, "{0.__class__}"],
)
def test_values_go_in_as_plain_text_and_are_never_read_as_placeholders(value):
    filled = placeholders_fill("Hi {requester_first_name}!", {**VALUES, "requester_first_name": value})
    assert filled == f"Hi {value}!"


def test_text_that_was_never_checked_is_filled_as_far_as_it_can_be():
    assert placeholders_fill("{nope} {agent_name} { }", VALUES) == "{nope} Andi Pratama { }"


def test_text_without_braces_is_left_alone():
    text = "Plain text with ' \" < > & and emoji 🙂\r\nand a second line"
    placeholders_check(text)
    assert placeholders_fill(text, VALUES) == text
