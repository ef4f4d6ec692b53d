"""The helpdesk as one person sees it in the browser: small steps the tests share."""

import json
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

AXE_JS = Path(__file__).with_name("axe.min.js")
PASSWORD = "pw"  # what tests.factories sets for every user
WCAG_2_AA = ["wcag2a", "wcag2aa"]


class Helpdesk:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str) -> Page:
        self.page.goto(self.url(path))
        return self.page

    def sign_in(self, user, password: str = PASSWORD) -> None:
        page = self.open("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("current-user")).to_contain_text(str(user))

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page.get_by_role("heading", name="Sign in to the helpdesk")).to_be_visible()

    def nav(self, name: str) -> None:
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()

    def success(self, text: str) -> Locator:
        return self.page.get_by_role("status").filter(has_text=text)

    def error(self, text: str) -> Locator:
        return self.page.get_by_role("alert").filter(has_text=text)

    def axe_violations(self) -> list[dict]:
        """WCAG 2 A and AA violations on the current page: rule id, impact and target selectors."""
        self.page.add_script_tag(path=str(AXE_JS))
        return self.page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
                .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.map(n => n.target.join(" ")),
                                       details: v.nodes.map(n => n.any.concat(n.all, n.none)
                                                               .map(c => c.message).join("; "))}))""",
            WCAG_2_AA,
        )

    def duplicate_ids(self) -> list[str]:
        """Ids used more than once: a label's ``for`` then names the wrong control."""
        return self.page.evaluate(
            """() => {
                const seen = {};
                document.querySelectorAll("[id]").forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
                return Object.keys(seen).filter(id => seen[id] > 1).sort();
            }"""
        )


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
