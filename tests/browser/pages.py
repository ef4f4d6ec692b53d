"""The helpdesk as one person sees it in the browser: small steps the tests share."""

import json
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

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

    def account_menu(self) -> None:
        """Open the menu under the person's name (profile, notification settings, sign out)."""
        self.page.get_by_test_id("current-user").click()

    def sign_out(self) -> None:
        self.account_menu()
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page.get_by_role("heading", name="Sign in to the helpdesk")).to_be_visible()

    def nav(self, name: str) -> None:
        """Follow a link of the main menu, opening the drop-down that holds it if need be."""
        menu = self.page.get_by_role("navigation", name="Main")
        link = menu.get_by_role("link", name=name, exact=True)
        if not link.is_visible():
            menu.locator(
                ".dropdown", has=self.page.get_by_role("link", name=name, exact=True, include_hidden=True)
            ).locator(".dropdown-toggle").click()
        link.click()

    def success(self, text: str) -> Locator:
        return self.page.get_by_role("status").filter(has_text=text)

    def error(self, text: str) -> Locator:
        return self.page.get_by_role("alert").filter(has_text=text)

    def axe_violations(self) -> list[dict]:
        """WCAG 2 A and AA violations on the current page: rule id, impact and target selectors."""
        axe_load(self.page)
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


# Reports each Content-Security-Policy violation to the test, with the page it happened on.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolation({
    page: document.location.pathname + document.location.search,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
}));
"""


def csp_watch(context: BrowserContext) -> list[dict]:
    """The CSP violations every page of this browser context reports, as they happen."""
    violations: list[dict] = []
    context.expose_binding("__cspViolation", lambda source, violation: violations.append(violation))
    context.add_init_script(CSP_LISTENER)
    return violations


def axe_load(page: Page) -> None:
    """Load axe-core into the page as the test's own script: not a <script> element, which the
    page's Content-Security-Policy (scripts from the site's files only) rightly refuses."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
