"""Every word a person reads is translated: templates mark their text, and the
Bahasa Indonesia catalogue has every marked string, none of them fuzzy, compiled."""

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
LANGUAGES = ["id"]
# Attributes people read (or hear from a screen reader).
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "value"}
DJANGO_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
WORD = re.compile(r"[^\W\d_]{2,}")
# Text that is the same in every language.
UNTRANSLATED_OK = {"SLA", "CSV", "API", "HD", "IT", "P1", "P2", "P3", "P4", "Bearer", "Authorization", "hdk", "Esc"}


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and self._words(value):
                if not (name == "value" and tag in ("input", "option", "button") and value.strip() in ("on",)):
                    self.found.append(f'{tag} {name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and self._words(data):
            self.found.append(data.strip())

    @staticmethod
    def _words(text: str) -> bool:
        return any(word not in UNTRANSLATED_OK for word in WORD.findall(text))


def _templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def _visible_unmarked(source: str) -> list[str]:
    # Translated text lives inside {% translate %} / {% blocktranslate %} tags, and
    # blocktranslate bodies are removed with their tags.
    source = re.sub(r"\{%\s*blocktranslate.*?%\}.*?\{%\s*endblocktranslate\s*%\}", "", source, flags=re.DOTALL)
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", source, flags=re.DOTALL)
    finder = _TextFinder()
    finder.feed(DJANGO_TAG.sub(" ", source))
    return finder.found


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(template):
    assert _visible_unmarked(template.read_text(encoding="utf-8")) == []


def test_the_checker_finds_unmarked_text():
    assert _visible_unmarked('<p>{% translate "Hello" %}</p><p>Goodbye</p>') == ["Goodbye"]
    assert _visible_unmarked('<img alt="A cat" src="x">') == ['img alt="A cat"']
    assert _visible_unmarked('<button aria-label="{% translate "Close" %}">×</button>') == []
    assert _visible_unmarked("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}") == []


def _messages(catalogue: Path) -> tuple[int, list[str], list[str]]:
    """(entries, untranslated ids, fuzzy ids) of a .po file."""
    text = catalogue.read_text(encoding="utf-8")
    untranslated, fuzzy, count = [], [], 0
    for block in text.split("\n\n")[1:]:  # the first block is the header
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        count += 1
        msgid = " ".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.MULTILINE))
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n((?:".*"\n?)*)', block + "\n", re.MULTILINE)
        if any(not (first + "".join(re.findall(r'"(.*)"', rest))) for first, rest in strs):
            untranslated.append(msgid)
        if re.search(r"^#,.*\bfuzzy\b", block, re.MULTILINE):
            fuzzy.append(msgid)
    return count, untranslated, fuzzy


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is needed: apt-get install gettext")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_every_marked_string_translated(language, tmp_path):
    """Extract the marked strings afresh, in a copy of the project's files, and require
    every one of them translated and none fuzzy: a new string without its translation
    fails."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    copy = tmp_path / "project"
    for name in tracked.splitlines():
        source = ROOT / name
        if source.is_file() and not name.startswith(("tests/", "bench/", "static/vendor/")):
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "HELPDESK_VAR_DIR": str(tmp_path / "var")}
    env.pop("HELPDESK_LOCALE_DIR", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", language, "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    count, untranslated, fuzzy = _messages(copy / "locale" / language / "LC_MESSAGES" / "django.po")
    assert count > 500
    assert untranslated == [], f"{len(untranslated)} strings without a translation: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is needed: apt-get install gettext")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(language, tmp_path):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(folder / "django.po")], check=True)
    assert (tmp_path / "django.mo").read_bytes() == (folder / "django.mo").read_bytes(), "run: make messages"
