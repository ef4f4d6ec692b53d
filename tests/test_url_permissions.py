"""Every URL the helpdesk answers, for every role: what each one gets, read from the URL
configuration so that a new URL without a row here fails the suite.

The API's endpoints have their own, finer matrix (tests/api/permission_matrix.py: every
method, every level, with the effect of each allowed request); this one covers the pages,
the sign-in and account pages, the reports, the admin and the API's documentation, on a
ticket at Level II (so Level I is below it, Level III above it), each request with valid
data, so that what is refused is refused for who asks and not for what they sent."""

from dataclasses import dataclass, field
from datetime import (
    date,
    timedelta,
)
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create
from assets.models import Asset, AssetImport, TicketAsset
from configuration.models import RecomputeRun
from knowledge.models import Article, ArticleTranslation, ArticleVersion
from notifications.models import Notification
from replies.models import CannedReply
from sla.models import Holiday, SlaPolicy
from tests.api import (
    test_permissions_alerts,
    test_permissions_assets,
    test_permissions_bulk,
    test_permissions_configuration,
    test_permissions_conversation,
    test_permissions_follow_up,
    test_permissions_links,
    test_permissions_lookups,
    test_permissions_maintenance,
    test_permissions_people,
    test_permissions_problems,
    test_permissions_procurement,
    test_permissions_saved_views,
    test_permissions_tickets,
    test_permissions_time,
    test_permissions_vendors,
)
from tests.api.permission_matrix import ROLES, actor_for, new_ticket
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tests.maintenance.support import plan as maintenance_plan
from tests.problems.support import problem_ids
from tests.procurement.support import procurement_ids
from tickets.models import (
    Attachment,
    Category,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketLink,
    TicketReminder,
    TicketWatcher,
    TimeEntry,
)
from vendors.models import Vendor, VendorContact, VendorEscalation

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the sign-in page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's sign-in page
MOVED = "redirect"  # a redirect anywhere else: what a form that did its work answers
SERVED = "served"  # answered without asking who is there (its status is its own business)

# Columns in the order of ROLES: anonymous, owner, other requester, agents at Level I, II
# and III, supervisor, administrator.
EVERYONE = (LOGIN, 200, 200, 200, 200, 200, 200, 200)
PUBLIC = (200,) * len(ROLES)
READ = (LOGIN, 200, 404, 200, 200, 200, 200, 200)
STAFF_PAGE = (LOGIN, 403, 403, 200, 200, 200, 200, 200)
SUPERVISORS = (LOGIN, 403, 403, 403, 403, 403, 200, 200)
VENDOR_MANAGERS = (LOGIN, 403, 403, 403, 403, 403, MOVED, MOVED)
VENDOR_ESCALATORS = (LOGIN, 403, 403, 403, 403, MOVED, MOVED, MOVED)
# A change only staff make, and only at the ticket's level or above.
STAFF_ACTS = (LOGIN, 403, 404, 403, MOVED, MOVED, MOVED, MOVED)
# A reply: the requester and staff at the ticket's level or above.
REPLY = (LOGIN, MOVED, 404, 403, MOVED, MOVED, MOVED, MOVED)
# What a ticket that is still open cannot do yet (confirm or reopen): allowed people learn
# why (409); the others are refused first.
NOT_YET = (LOGIN, 409, 404, 403, 409, 409, 409, 409)
# What only supervisors and administrators do here (deciding, approving, and the steps of a
# request someone else asked for).
APPROVES = (LOGIN, 403, 403, 403, 403, 403, MOVED, MOVED)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expect: tuple
    data: dict = field(default_factory=dict)


T = "/tickets/{ref}"
KB = "/kb/printer-jam"
PAGES: dict[str, Route] = {
    "home": Route("GET", "/", (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED)),
    "tickets:mine": Route("GET", "/tickets/", EVERYONE),
    "search:results": Route("GET", "/search/", EVERYONE),
    "tickets:new": Route("GET", "/tickets/new/", EVERYONE),
    "tickets:detail": Route("GET", T + "/", READ),
    "tickets:comment": Route("POST", T + "/comment/", REPLY, {"body": "Sudah dicoba <b>&</b> 🙂"}),
    "tickets:take": Route("POST", T + "/take/", STAFF_ACTS),
    "tickets:assign": Route("POST", T + "/assign/", STAFF_ACTS, {"assignee": ""}),
    "tickets:status": Route("POST", T + "/status/", STAFF_ACTS, {"status": "pending", "reason": "Waiting"}),
    "tickets:escalate": Route("POST", T + "/escalate/", STAFF_ACTS, {"reason": "Needs the network team"}),
    "tickets:deescalate": Route("POST", T + "/deescalate/", STAFF_ACTS, {"reason": "Front line can do it"}),
    "tickets:resolve": Route("POST", T + "/resolve/", STAFF_ACTS, {"resolution": "Replaced the cable."}),
    "tickets:reclassify": Route(
        "POST", T + "/reclassify/", STAFF_ACTS, {"category": "", "impact": "high", "urgency": "high"}
    ),
    "tickets:edit": Route(
        "POST", T + "/edit/", STAFF_ACTS, {"subject": "Printer <b>&</b> 🙂", "description": "Jams, floor 3."}
    ),
    "tickets:confirm": Route("POST", T + "/confirm/", NOT_YET),
    "tickets:reopen": Route("POST", T + "/reopen/", NOT_YET, {"reason": "Still broken"}),
    "tickets:attachment": Route("GET", "/attachments/{file}/", READ),
    # Watchers: the requester and staff at the ticket's level copy a colleague in; any
    # member of staff follows (a requester is refused: they are copied in instead); the
    # watcher, the requester and staff at the level take someone off.
    "tickets:watcher-add": Route("POST", T + "/watchers/", REPLY, {"email": "Dewi.Copied@example.com"}),
    "tickets:follow": Route("POST", T + "/follow/", (LOGIN, 403, 404, *(MOVED,) * 5)),
    "tickets:watcher-remove": Route("POST", T + "/watchers/{watcher}/remove/", REPLY),
    # Links and merging: staff at the ticket's level (the merge's target is at Level II too).
    "tickets:link-add": Route("POST", T + "/links/", STAFF_ACTS, {"reference": "{other_ref}", "kind": "caused_by"}),
    "tickets:link-remove": Route("POST", T + "/links/{link}/remove/", STAFF_ACTS),
    "tickets:merge": Route("POST", T + "/merge/", STAFF_ACTS, {"into": "{other_ref}"}),
    "tickets:queue": Route("GET", "/queue/", STAFF_PAGE),
    # A bulk action: requesters never reach it; staff get the list of outcomes (200), the
    # Level I agent's row refused (the ticket is above the levels they work).
    "tickets:bulk": Route("POST", "/tickets/bulk/", STAFF_PAGE, {"tickets": "{ref}", "action": "take"}),
    # The ticket list and its saved views (tests/tickets/test_ticket_list.py): staff only;
    # the view here is the actor's own.
    "tickets:list": Route("GET", "/tickets/all/", STAFF_PAGE),
    "tickets:view-save": Route(
        "POST",
        "/tickets/all/views/",
        (LOGIN, 403, 403, *(MOVED,) * 5),
        {"name": "Mine <b>&</b> 😀", "query": "status=closed"},
    ),
    "tickets:view-edit": Route(
        "POST",
        "/tickets/all/views/{saved_view}/",
        (LOGIN, 403, 403, *(MOVED,) * 5),
        {"name": "P1", "query": "priority=1"},
    ),
    "tickets:view-delete": Route("POST", "/tickets/all/views/{saved_view}/delete/", (LOGIN, 403, 403, *(MOVED,) * 5)),
    "tickets:dashboard": Route("GET", "/dashboard/", SUPERVISORS),
    "tickets:dashboard-sla": Route("GET", "/dashboard/sla/", SUPERVISORS),
    "notifications:delivery-log": Route("GET", "/notifications/", SUPERVISORS),
    "notifications:preferences": Route("GET", "/notifications/preferences/", EVERYONE),
    # The link in a mail works for whoever follows it, signed in or not; a link that is not
    # one is refused alike for all (a valid one: tests/notifications/test_mail_out.py).
    "notifications:unsubscribe": Route("POST", "/notifications/unsubscribe/not-a-token/", (400,) * len(ROLES)),
    "notifications:delivery-retry": Route(
        "POST", "/notifications/{notification}/retry/", (LOGIN, 403, 403, 403, 403, 403, MOVED, MOVED)
    ),
    # Canned replies: staff keep their own (tests/replies); the picker and its filled-in
    # reply answer only staff who may reply at the ticket's level, and requesters never
    # learn they are there.
    "replies:manage": Route("GET", "/replies/", STAFF_PAGE),
    "replies:edit": Route("GET", "/replies/{reply}/", STAFF_PAGE),
    "replies:delete": Route("POST", "/replies/{reply}/delete/", (LOGIN, 403, 403, MOVED, MOVED, MOVED, MOVED, MOVED)),
    "replies:picker": Route("GET", T + "/replies/", (LOGIN, 404, 404, 403, 200, 200, 200, 200)),
    "replies:fill": Route("GET", T + "/replies/{reply}/", (LOGIN, 404, 404, 403, 200, 200, 200, 200)),
    # Satisfaction: the link in the resolution mail works for whoever follows it; a link
    # that is not one is refused alike for all (valid ones: tests/satisfaction). On the
    # ticket page only its requester rates, once it is resolved (the ticket here is open).
    "satisfaction:rate": Route("GET", "/rate/not-a-token/5/", (400,) * len(ROLES)),
    "satisfaction:ticket-rate": Route(
        "POST", T + "/rating/", (LOGIN, 409, 404, 403, 403, 403, 403, 403), {"score": "5"}
    ),
    # No page waits about this ticket: staff are told so (409); requesters are refused.
    "escalation:acknowledge-page": Route("POST", T + "/acknowledge-page/", (LOGIN, 403, 404, *(409,) * 5)),
    # The presence switch (tests/routing): the agents of a level see and set their own;
    # staff who are members of no level have none (204), and setting one is refused them.
    "routing:presence": Route("GET", "/presence/", (LOGIN, 403, 403, 200, 200, 200, 204, 204)),
    # Procurement (tests/procurement): support staff read and ask; approvers decide and
    # approve (never their own, so the requests here are another agent's); the requester of
    # a request and approvers take its other steps. A step its state does not allow: 409.
    "procurement:list": Route("GET", "/procurement/", STAFF_PAGE),
    "procurement:new": Route("GET", "/procurement/new/", STAFF_PAGE),
    "procurement:detail": Route("GET", "/procurement/{pr}/", STAFF_PAGE),
    "procurement:print": Route("GET", "/procurement/{pr}/print/", STAFF_PAGE),
    "procurement:submit": Route("POST", "/procurement/{pr_draft}/submit/", APPROVES),
    "procurement:approve": Route("POST", "/procurement/{pr}/approve/", APPROVES, {"reason": "Fine & <ok>"}),
    "procurement:reject": Route("POST", "/procurement/{pr}/reject/", APPROVES, {"reason": "Too dear"}),
    "procurement:order": Route(
        "POST",
        "/procurement/{pr_approved}/order/",
        APPROVES,
        {"supplier": "{vendor}", "order_reference": "PO-9", "expected_on": "2026-12-20"},
    ),
    "procurement:receive": Route("POST", "/procurement/{pr_ordered}/receive/", APPROVES),
    "procurement:cancel": Route("POST", "/procurement/{pr}/cancel/", APPROVES, {"reason": "Found a spare"}),
    "procurement:reports": Route("GET", "/component-reports/", STAFF_PAGE),
    "procurement:report-decide": Route("POST", "/component-reports/{report}/decide/", APPROVES, {"decision": "repair"}),
    "procurement:ticket-panel": Route("GET", T + "/component-reports/", READ),
    "procurement:report-file": Route(
        "POST",
        T + "/component-reports/new/",
        STAFF_ACTS,
        {"asset_tag": "pl-0001", "fault": "Streaks 🙂", "recommendation": "replace", "estimated_cost": "1500000"},
    ),
    # Problems (tests/problems): support staff only; requesters never see them, not even on
    # their own ticket. Linking, unlinking and sending the workaround touch the ticket, so
    # they ask for its level (Level I is below it); the problem's own changes do not.
    "problems:list": Route("GET", "/problems/", STAFF_PAGE),
    "problems:new": Route("GET", "/problems/new/", STAFF_PAGE),
    "problems:detail": Route("GET", "/problems/{problem}/", STAFF_PAGE),
    "problems:edit": Route(
        "POST",
        "/problems/{problem}/edit/",
        (LOGIN, 403, 403, *(MOVED,) * 5),
        {"title": "VPN <drops> & 🙂", "status": "known_error", "root_cause": "Firewall", "workaround": "Reconnect"},
    ),
    "problems:link": Route(
        "POST", "/problems/{problem}/incidents/", (LOGIN, 403, 403, 403, *(MOVED,) * 4), {"ticket": "{ref}"}
    ),
    "problems:unlink": Route(
        "POST", "/problems/{problem}/incidents/{ref}/remove/", (LOGIN, 403, 403, 403, *(MOVED,) * 4)
    ),
    "problems:resolve": Route(
        "POST",
        "/problems/{problem}/resolve/",
        (LOGIN, 403, 403, *(MOVED,) * 5),
        {"status": "resolved", "resolution": "Patched"},
    ),
    "problems:ticket-panel": Route("GET", T + "/problems/", (LOGIN, 403, 404, 200, 200, 200, 200, 200)),
    "problems:from-ticket": Route("GET", T + "/problems/new/", (LOGIN, 403, 404, 200, 200, 200, 200, 200)),
    "problems:send-workaround": Route("POST", T + "/problems/{problem}/send-workaround/", STAFF_ACTS),
    # Parent tickets: staff at the ticket's level set and clear its parent (here an open ticket).
    "tickets:parent": Route("POST", T + "/parent/", STAFF_ACTS, {"parent": "{other}"}),
    "tickets:parent-clear": Route("POST", T + "/parent/clear/", STAFF_ACTS),
    "intake:log": Route("GET", "/log/", STAFF_PAGE),
    "intake:caller-lookup": Route("GET", "/log/callers/", STAFF_PAGE),
    "intake:caller-tickets": Route("GET", "/log/callers/1/tickets/", STAFF_PAGE),
    "reports:index": Route("GET", "/reports/", STAFF_PAGE),
    "reports:live": Route("GET", "/reports/live/", STAFF_PAGE),
    "reports:monthly": Route("GET", "/reports/monthly/", SUPERVISORS),
    "reports:export": Route("GET", "/reports/export/tickets.csv", STAFF_PAGE),
    "reports:maintenance": Route("GET", "/reports/maintenance/", SUPERVISORS),
    "reports:vendors": Route("GET", "/reports/vendors/", SUPERVISORS),
    # Vendors: staff read, supervisors and administrators write; Level III staff and
    # supervisors follow a vendor escalation up (of a Level III ticket of its own).
    "vendors:list": Route("GET", "/vendors/", STAFF_PAGE),
    "vendors:create": Route("GET", "/vendors/new/", SUPERVISORS),
    "vendors:detail": Route("GET", "/vendors/{vendor}/", STAFF_PAGE),
    "vendors:edit": Route("GET", "/vendors/{vendor}/edit/", SUPERVISORS),
    "vendors:contact": Route("POST", "/vendors/{vendor}/contacts/", VENDOR_MANAGERS, {"name": "Sari"}),
    "vendors:contact-delete": Route("POST", "/vendors/{vendor}/contacts/{contact}/delete/", VENDOR_MANAGERS),
    "vendors:contract": Route(
        "POST",
        "/vendors/{vendor}/contracts/",
        VENDOR_MANAGERS,
        {"reference": "AMC-9", "starts_on": "2026-01-01", "response_minutes": "60", "resolution_minutes": "240"},
    ),
    "vendors:ticket": Route("GET", T + "/vendor/", STAFF_PAGE),
    "vendors:escalation-response": Route("POST", "/vendor-escalations/{escalation}/response/", VENDOR_ESCALATORS),
    "vendors:escalation-reference": Route(
        "POST", "/vendor-escalations/{escalation}/reference/", VENDOR_ESCALATORS, {"vendor_reference": "RMA-1"}
    ),
    "vendors:escalation-resolution": Route(
        "POST", "/vendor-escalations/{escalation}/resolution/", VENDOR_ESCALATORS, {"resolution": "Replaced"}
    ),
    "vendors:escalation-close": Route("POST", "/vendor-escalations/{escalation}/close/", VENDOR_ESCALATORS),
    "accounts:login": Route("GET", "/accounts/login/", PUBLIC),
    "login": Route("GET", "/accounts/login/", PUBLIC),
    "logout": Route("POST", "/accounts/logout/", (LOGIN, *(LOGIN,) * (len(ROLES) - 1))),
    # Single sign-on is not configured here, so both are absent for everyone;
    # tests/accounts/test_oidc.py goes through them with a real provider.
    "accounts:oidc-authenticate": Route("GET", "/accounts/oidc/authenticate/", (404,) * len(ROLES)),
    "accounts:oidc-callback": Route("GET", "/accounts/oidc/callback/", (404,) * len(ROLES)),
    "accounts:profile": Route("GET", "/accounts/profile/", EVERYONE),
    # The new key is shown on the answer itself, once.
    "accounts:token-create": Route("POST", "/accounts/profile/tokens/", EVERYONE, {"name": "Laptop"}),
    # The token is the ticket's requester's: anyone else is sent back to their own profile,
    # told there is no such token of theirs, and the token keeps working (checked below).
    "accounts:token-revoke": Route("POST", "/accounts/profile/tokens/{token}/revoke/", (LOGIN, *(MOVED,) * 7)),
    # Two-factor sign-in, for people who have not turned it on (tests/accounts/test_two_factor.py
    # covers the rest): there is no code to give, nothing to turn off and no backup codes to
    # renew, so each sends them on; anyone may set it up.
    "accounts:two-factor-verify": Route("GET", "/accounts/login/code/", (LOGIN, *(MOVED,) * 7)),
    "accounts:two-factor-setup": Route("GET", "/accounts/profile/two-factor/", EVERYONE),
    "accounts:two-factor-disable": Route("POST", "/accounts/profile/two-factor/off/", (LOGIN, *(MOVED,) * 7)),
    "accounts:two-factor-backup-codes": Route(
        "POST", "/accounts/profile/two-factor/backup-codes/", (LOGIN, *(MOVED,) * 7)
    ),
    "password_change": Route("GET", "/accounts/password_change/", EVERYONE),
    "password_change_done": Route("GET", "/accounts/password_change/done/", EVERYONE),
    "password_reset": Route("GET", "/accounts/password_reset/", PUBLIC),
    "password_reset_done": Route("GET", "/accounts/password_reset/done/", PUBLIC),
    "password_reset_confirm": Route("GET", "/accounts/reset/MQ/not-a-token/", PUBLIC),
    "password_reset_complete": Route("GET", "/accounts/reset/done/", PUBLIC),
    "set_language": Route("POST", "/i18n/setlang/", (MOVED,) * len(ROLES), {"language": "id", "next": "/"}),
    "healthz": Route("GET", "/healthz/", (SERVED,) * len(ROLES)),
    # Mail providers post here, authenticated by the shared secret alone (not a person):
    # without it set, absent for everyone; tests/intake/test_webhooks.py posts with it.
    "intake:inbound-email": Route("POST", "/inbound/email/postmark/inbound/", (404,) * len(ROLES)),
    # SMS gateways likewise, by their secret (tests/intake/test_sms.py posts with it).
    "intake:inbound-sms": Route("POST", "/inbound/sms/", (404,) * len(ROLES)),
    "intake:inbound-sms-twilio": Route("POST", "/inbound/sms/twilio/", (404,) * len(ROLES)),
    "api-docs": Route("GET", "/api/docs/", PUBLIC),
    "api-redoc": Route("GET", "/api/redoc/", PUBLIC),
    "api-unknown": Route("GET", "/api/v1/nothing-here/", (401, 404, 404, 404, 404, 404, 404, 404)),
    "admin:index": Route("GET", "/admin/", (ADMIN_LOGIN,) * 7 + (200,)),
    # The knowledge base: its public article (``printer-jam``) is readable by anyone;
    # internal articles and drafts are refused per role in tests/knowledge/test_views.py.
    "knowledge:list": Route("GET", "/kb/", PUBLIC),
    "knowledge:detail": Route("GET", KB + "/", PUBLIC),
    "knowledge:vote": Route("POST", KB + "/vote/", (MOVED,) * len(ROLES), {"helpful": "yes"}),
    "knowledge:suggest": Route("GET", "/kb/suggest/", EVERYONE),
    "knowledge:picker": Route("GET", "/kb/picker/", STAFF_PAGE),
    "knowledge:manage": Route("GET", "/kb/manage/", STAFF_PAGE),
    "knowledge:create": Route("GET", "/kb/new/", STAFF_PAGE),
    "knowledge:from-ticket": Route("GET", "/kb/from-ticket/{ref}/", STAFF_PAGE),
    "knowledge:from-problem": Route("GET", "/kb/from-problem/{problem}/", STAFF_PAGE),
    "knowledge:ticket-suggestions": Route("GET", "/kb/tickets/{ref}/suggested/", STAFF_PAGE),
    "knowledge:edit": Route("GET", KB + "/edit/", STAFF_PAGE),
    "knowledge:status": Route(
        "POST", KB + "/status/", (LOGIN, 403, 403, 403, 403, 403, MOVED, MOVED), {"status": "archived"}
    ),
    "knowledge:versions": Route("GET", KB + "/versions/", STAFF_PAGE),
    "knowledge:version": Route("GET", KB + "/versions/1/", STAFF_PAGE),
    # Version 1 is the current text: staff learn why it cannot be restored.
    "knowledge:restore": Route("POST", KB + "/versions/1/restore/", (LOGIN, 403, 403, *(409,) * 5)),
    "knowledge:deflections": Route("GET", "/kb/deflections/", SUPERVISORS),
    # The checklist: staff read it (agents below the ticket's level without the buttons);
    # requesters, its own included, never see it.
    "tickets:checklist": Route("GET", T + "/checklist/", (LOGIN, 403, 404, 200, 200, 200, 200, 200)),
    "tickets:checklist-item": Route("POST", T + "/checklist/{item}/", STAFF_ACTS, {"action": "done"}),
    # Time spent: staff at the ticket's level run their timer and remove their own entries
    # (the entry here is the actor's own); requesters never see either.
    "tickets:timer": Route("POST", T + "/timer/", STAFF_ACTS, {"action": "start"}),
    "tickets:time-delete": Route("POST", T + "/time/{time_entry}/delete/", STAFF_ACTS),
    # Snoozing is a change to the ticket's place in its queue: staff at its level. A
    # reminder is the agent's own and changes nothing: any member of staff sets one and
    # cancels their own (the reminder here is the actor's own).
    "tickets:snooze": Route("POST", T + "/snooze/", STAFF_ACTS, {"choice": "hour"}),
    "tickets:unsnooze": Route("POST", T + "/unsnooze/", STAFF_ACTS),
    "tickets:remind": Route(
        "POST", T + "/remind/", (LOGIN, 403, 404, *(MOVED,) * 5), {"remind_at": "{tomorrow}", "note": "Call back"}
    ),
    "tickets:reminder-cancel": Route("POST", T + "/reminders/{reminder}/cancel/", (LOGIN, 403, 404, *(MOVED,) * 5)),
    # Preventive maintenance: staff read plans, supervisors and administrators keep them.
    "maintenance:list": Route("GET", "/maintenance/", STAFF_PAGE),
    "maintenance:detail": Route("GET", "/maintenance/{plan}/", STAFF_PAGE),
    "maintenance:create": Route("GET", "/maintenance/new/", SUPERVISORS),
    "maintenance:edit": Route("GET", "/maintenance/{plan}/edit/", SUPERVISORS),
    "maintenance:active": Route("POST", "/maintenance/{plan}/active/", (LOGIN, 403, 403, 403, 403, 403, MOVED, MOVED)),
    "maintenance:preview": Route(
        "GET",
        "/maintenance/preview/?preset=quarterly&start_date=2026-01-05&start_time=09:00&time_zone=Asia/Jakarta",
        SUPERVISORS,
    ),
    "maintenance:overdue": Route("GET", "/maintenance/overdue/", SUPERVISORS),
    # Assets: support staff's pages; requesters never see the list (tests/assets/test_views.py
    # checks what they see on their ticket). LAP-0001 is the ticket requester's laptop; the
    # import is a previewed one with nothing to change.
    "assets:list": Route("GET", "/assets/", STAFF_PAGE),
    "assets:create": Route("GET", "/assets/new/", STAFF_PAGE),
    "assets:export": Route("GET", "/assets/export/", STAFF_PAGE),
    "assets:detail": Route("GET", "/assets/LAP-0001/", STAFF_PAGE),
    "assets:edit": Route("GET", "/assets/LAP-0001/edit/", STAFF_PAGE),
    "assets:import-upload": Route("GET", "/assets/import/", STAFF_PAGE),
    "assets:import": Route("GET", "/assets/import/{asset_import}/", STAFF_PAGE),
    "assets:import-progress": Route("GET", "/assets/import/{asset_import}/progress/", STAFF_PAGE),
    "assets:import-confirm": Route("POST", "/assets/import/{asset_import}/confirm/", (LOGIN, 403, 403, *(MOVED,) * 5)),
    "assets:ticket-panel": Route("GET", "/assets/tickets/{ref}/", READ),
    "assets:ticket-add": Route("POST", "/assets/tickets/{ref}/add/", STAFF_ACTS, {"tag": "lap-0001"}),
    "assets:ticket-remove": Route("POST", "/assets/tickets/{ref}/remove/", STAFF_ACTS, {"tag": "LAP-0001"}),
    # The configuration pages (tests/configuration): supervisors and administrators only.
    "configuration:index": Route("GET", "/configuration/", SUPERVISORS),
    "configuration:levels": Route("GET", "/configuration/levels/", SUPERVISORS),
    "configuration:level-member-remove": Route(
        "POST", "/configuration/levels/remove/", APPROVES, {"level": "1", "agent": "{agent}"}
    ),
    "configuration:categories": Route("GET", "/configuration/categories/", SUPERVISORS),
    "configuration:category-edit": Route("GET", "/configuration/categories/{category}/", SUPERVISORS),
    "configuration:sla-policies": Route("GET", "/configuration/sla/", SUPERVISORS),
    "configuration:sla-policy-edit": Route("GET", "/configuration/sla/{policy}/", SUPERVISORS),
    "configuration:sla-policy-delete": Route("POST", "/configuration/sla/{category_policy}/delete/", APPROVES),
    "configuration:calendars": Route("GET", "/configuration/calendars/", SUPERVISORS),
    "configuration:holiday-delete": Route("POST", "/configuration/holidays/{holiday}/delete/", APPROVES),
    "configuration:recompute": Route("POST", "/configuration/recompute/", APPROVES, {"policy": "{policy}"}),
    "configuration:recompute-run": Route("GET", "/configuration/recompute/{run}/", SUPERVISORS),
}

API_ENDPOINTS = [
    *test_permissions_tickets.ENDPOINTS,
    *test_permissions_conversation.ENDPOINTS,
    *test_permissions_lookups.ENDPOINTS,
    *test_permissions_maintenance.ENDPOINTS,
    *test_permissions_procurement.ENDPOINTS,
    *test_permissions_vendors.ENDPOINTS,
    *test_permissions_assets.ENDPOINTS,
    *test_permissions_alerts.ENDPOINTS,
    *test_permissions_people.ENDPOINTS,
    *test_permissions_time.ENDPOINTS,
    *test_permissions_bulk.ENDPOINTS,
    *test_permissions_problems.ENDPOINTS,
    *test_permissions_configuration.ENDPOINTS,
    *test_permissions_links.ENDPOINTS,
    *test_permissions_saved_views.ENDPOINTS,
    *test_permissions_follow_up.ENDPOINTS,
]


def url_names(patterns=None, namespace: str = "") -> set[str]:
    """Every named URL of the configuration (the admin's own counted once, as admin:index)."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                names.add("admin:index")
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"{pattern.pattern} has no name: name it and give it a row here"
            names.add(namespace + pattern.name)
    return names


def api_url_names() -> set[str]:
    ids = {
        "ref": "HD-000001",
        "public_file": 1,
        "internal_file": 1,
        "item": 1,
        "plan": 1,
        "file": 1,
        "vendor_id": 1,
        "escalation_id": 1,
        "tag": "LAP-0001",
        "import_id": 1,
        "contact_id": 1,
        "contract_id": 1,
        "agent_id": 1,
        "requester_id": 1,
        "entry": 1,
        "problem": "PRB-000001",
        "run": 1,
        "watcher": 1,
        "link": 1,
        "reminder": 1,
    }
    return {resolve(endpoint.path.format(**ids)).view_name for endpoint in API_ENDPOINTS}


def test_every_url_has_a_row_in_a_permission_matrix():
    missing = url_names() - set(PAGES) - api_url_names()
    assert missing == set(), f"URLs no permission matrix covers: {sorted(missing)}"
    assert set(PAGES) - url_names() == set(), "rows for URLs that no longer exist"


def test_each_row_is_the_url_it_names():
    for name, route in PAGES.items():
        procurement = {
            "pr": "PR-000001",
            "pr_draft": "PR-000002",
            "pr_approved": "PR-000003",
            "pr_ordered": "PR-000004",
        }
        path = route.path.format(
            ref="HD-000001",
            file=1,
            notification=1,
            token=1,
            reply=1,
            item=1,
            plan=1,
            report=1,
            vendor=1,
            contact=1,
            escalation=1,
            asset_import=1,
            time_entry=1,
            problem="PRB-000001",
            other="HD-000002",
            agent=1,
            category=1,
            policy=1,
            category_policy=1,
            holiday=1,
            run=1,
            watcher=1,
            link=1,
            other_ref="HD-000002",
            saved_view=1,
            reminder=1,
            tomorrow="",
            **procurement,
        )
        assert resolve(path.split("?")[0]).view_name == name or (name, resolve(path.split("?")[0]).view_name) in {
            ("login", "accounts:login"),
            ("password_reset", "password_reset"),
            ("admin:index", "admin:index"),
        }, name


@dataclass
class Place:
    ticket: Ticket
    file: Attachment
    notification: Notification
    token: ApiToken
    actor: Any
    reply: Any = None
    article: Article | None = None
    item: Any = None
    plan: Any = None
    escalation: Any = None
    asset_import: Any = None
    time_entry: Any = None
    watcher: Any = None
    link: Any = None
    other: Any = None
    reminder: Any = None


def place_for(role: str) -> Place:
    world = new_ticket(2)
    ticket = world.ticket
    file = Attachment.objects.create(
        ticket=ticket,
        uploaded_by=ticket.requester,
        original_name="printer.txt",
        size=4,
        content_type="text/plain",
        file=SimpleUploadedFile("printer.txt", b"jams"),
    )
    notification = Notification.objects.create(
        kind="reply", channel="email", address="rina@example.com", body_text="Hello", status="dead"
    )
    token, _key = api_token_create(user=ticket.requester, name="Phone")
    actor = actor_for(role, world)
    # A canned reply of the actor's own when they work tickets (else one shared with the
    # ticket's level), with every placeholder.
    staff = actor is not None and actor.has_perm("tickets.work_ticket")
    reply = CannedReply.objects.create(
        title="Wait for the courier",
        body_en="Hi {requester_first_name}, {ticket_reference} ({level}) — {agent_name}",
        owner=actor if staff else None,
        level=None if staff else ticket.level,
    )
    article = Article.objects.create(slug="printer-jam", status="published", created_by=ticket.requester)
    ArticleTranslation.objects.create(article=article, language="en", title="Printer jams", body="Pull the paper.")
    ArticleVersion.objects.create(
        article=article,
        number=1,
        language="en",
        title="Printer jams",
        body="Pull the paper.",
        edited_by=ticket.requester,
    )
    vendor = Vendor.objects.create(name="Acme Servers", email="support@acme.example")
    contact = VendorContact.objects.create(vendor=vendor, name="Budi", email="budi@acme.example", is_primary=True)
    escalation = VendorEscalation.objects.create(
        ticket=TicketFactory(level=3, status="vendor"),
        vendor=vendor,
        contact=contact,
        contact_email=contact.email,
        message="Controller failed",
        escalated_by=ticket.requester,
    )
    # Its one step is done, so the ticket may still be resolved.
    item = TicketChecklistItem.objects.create(
        ticket=ticket, position=1, text="Read the backup log", done_at=timezone.now()
    )
    plan = maintenance_plan(by=make_supervisor())
    laptop = Asset.objects.create(tag="LAP-0001", asset_type="laptop", name="ThinkPad", user=ticket.requester)
    TicketAsset.objects.create(ticket=ticket, asset=laptop)
    asset_import = AssetImport.objects.create(
        uploaded_by=ticket.requester,
        original_name="assets.csv",
        stored_path="/nonexistent",
        file_format="csv",
        status="previewed",
    )
    place = Place(ticket, file, notification, token, actor, reply, article, item, plan, escalation, asset_import)
    # A colleague who follows the ticket, another who could be copied in, and another
    # ticket of the same level (to link to and to merge into).
    place.watcher = TicketWatcher.objects.create(ticket=ticket, user=make_requester(), added_by=ticket.requester)
    make_requester(email="dewi.copied@example.com")
    place.other = TicketFactory(level=2, status="open")
    place.link = TicketLink.objects.create(from_ticket=ticket, to_ticket=TicketFactory(level=1))
    place.time_entry = TimeEntry.objects.create(
        ticket=ticket, agent=actor or ticket.requester, minutes=15, ended_at=timezone.now()
    )
    place.saved_view = SavedView.objects.create(owner=actor or ticket.requester, name="Closed", query="status=closed")
    place.reminder = TicketReminder.objects.create(
        ticket=ticket, agent=actor or ticket.requester, remind_at=timezone.now() + timedelta(days=1)
    )
    return place


def configuration_ids() -> dict:
    """Rows the configuration pages act on: a member of Level I, a category, the default
    and a category's own SLA policy, a holiday and a recompute."""
    agent = make_agent(1)
    policy = SlaPolicy.objects.get(priority=2, category__isnull=True)
    email = Category.objects.get(name="Email")
    own = SlaPolicy.objects.create(
        priority=2, category=email, calendar=policy.calendar, first_response_minutes=30, resolution_minutes=300
    )
    holiday = Holiday.objects.create(calendar=policy.calendar, date=date(2031, 1, 2), name="Cuti")
    run = RecomputeRun.objects.create(
        scope="policy", object_id=policy.pk, subject=str(policy), requested_by=agent, status="finished"
    )
    return {
        "agent": agent.pk,
        "category": email.pk,
        "policy": policy.pk,
        "category_policy": own.pk,
        "holiday": holiday.pk,
        "run": run.pk,
    }


def outcome(response) -> Any:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
        return MOVED
    return response.status_code


def row(name: str):
    return [pytest.param(name, role, id=f"{name}-{role}") for role in ROLES]


@pytest.mark.parametrize(("name", "role"), [cell for name in PAGES for cell in row(name)])
def test_page_permission_matrix(client, name, role):
    route = PAGES[name]
    place = place_for(role)
    if place.actor is not None:
        client.force_login(place.actor)
    ids = {
        "ref": place.ticket.reference,
        "file": place.file.pk,
        "notification": place.notification.pk,
        "token": place.token.pk,
        "reply": place.reply.pk,
        "item": place.item.pk,
        "plan": place.plan.pk,
        "vendor": place.escalation.vendor_id,
        "contact": place.escalation.contact_id,
        "escalation": place.escalation.pk,
        "asset_import": place.asset_import.pk,
        "time_entry": place.time_entry.pk,
        "watcher": place.watcher.user_id,
        "link": place.link.pk,
        "other_ref": place.other.reference,
        "saved_view": place.saved_view.pk,
        "reminder": place.reminder.pk,
        "tomorrow": timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    if name.startswith("configuration:"):
        ids |= configuration_ids()
    if name.startswith("procurement:"):
        ids |= procurement_ids(place.ticket)
    if name.startswith(("problems:", "tickets:parent")) or name == "knowledge:from-problem":
        ids |= problem_ids(place.ticket)
    path = route.path.format(**ids)
    data = {key: value.format(**ids) if isinstance(value, str) else value for key, value in route.data.items()}
    before = (Ticket.objects.filter(pk=place.ticket.pk).values().get(), TicketEvent.objects.count())
    response = client.get(path) if route.method == "GET" else client.post(path, data)
    expected = dict(zip(ROLES, route.expect, strict=True))[role]
    if expected == SERVED:
        assert outcome(response) not in (LOGIN, ADMIN_LOGIN, 403, 404)
    else:
        assert outcome(response) == expected
    if name == "accounts:token-revoke":
        place.token.refresh_from_db()
        assert (place.token.revoked_at is not None) == (role == "owner")
    if expected in (LOGIN, ADMIN_LOGIN, 403, 404, 409, 401):
        # Refused: the ticket and its audit trail are as they were.
        assert (Ticket.objects.filter(pk=place.ticket.pk).values().get(), TicketEvent.objects.count()) == before
