"""Settings for the helpdesk, driven by environment variables.

With nothing set the helpdesk runs embedded: DEBUG on, SQLite, a Celery broker on the
filesystem, and mail and SMS written to files under ``var/``. ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch to PostgreSQL and Redis. ``.env.example`` and README.md list
every variable, with its default.
"""

import ipaddress
import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Every variable is read and typed through this one reader. An empty variable counts as
# unset (docker-compose.yml passes the optional ones as ``${NAME:-}``). A value starting
# with ``$`` names another variable; ``\$`` stands for a literal ``$``.
env = environ.Env()
env.ENVIRON = {name: value for name, value in os.environ.items() if value != ""}
env.escape_proxy = True


def _names(values: list[str]) -> list[str]:
    """A comma-separated list as written, without the spaces around or the empty items."""
    return [value for value in values if value]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("HELPDESK_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

DEBUG = env.bool("DEBUG", default=True)

_INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_SECRET_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: production refuses the development key.")

ALLOWED_HOSTS = _names(
    env.list("ALLOWED_HOSTS", cast=str.strip, default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
)
CSRF_TRUSTED_ORIGINS = _names(env.list("CSRF_TRUSTED_ORIGINS", cast=str.strip, default=[]))

INSTALLED_APPS = [
    # Django's admin, its site asking for the second factor too.
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "api",
    "accounts",
    "sla",
    "notifications",
    "tickets",
    "escalation",
    "routing",
    "configuration",
    "replies",
    "satisfaction",
    "intake",
    "alerts",
    "knowledge",
    "vendors",
    "assets",
    "maintenance",
    "procurement",
    "problems",
    "health",
    "reports",
    "search",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor, if any, verified this session (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the password, the code: a person who must give one sees no other page until they do.
    "accounts.middleware.TwoFactorMiddleware",
    # django-auditlog's, for the configuration's audit: who changed it, from which address.
    "accounts.middleware.ConfigurationAuditMiddleware",
    "accounts.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for too many failures into the
    # lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
            ],
        },
    },
    {
        # Plain text (mail subjects and text bodies, SMS): the same templates, never
        # HTML-escaped (notifications.services.queue).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- database: SQLite by default, any database URL django-environ understands via DATABASE_URL
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=False):
    # psycopg's pool in each process: a request borrows a connection and gives it back.
    # Django refuses persistent connections beside a pool.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web app, the worker and beat share one file: WAL lets readers run beside a
    # writer, and IMMEDIATE transactions wait for the lock instead of failing on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Judges nothing: told of every new password, it revokes the person's API tokens.
    {"NAME": "accounts.validators.NewPasswordRevokesApiTokens"},
]
# django-axes first: it refuses a locked-out account or address before any password is
# checked, and records every failure (the database handler: the admin shows and clears them).
# OpenID Connect last: it answers only the provider's callback, and only when configured.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.oidc.OidcBackend",
]

# --- sign-in with the organisation's directory (LDAP / Active Directory), when a server is
# named: django-auth-ldap's settings, from these variables (accounts/directory.py).
AUTH_LDAP_SERVER_URI = env.str("HELPDESK_LDAP_SERVER_URI", default="")
HELPDESK_LDAP_RECHECK_MINUTES = env.float("HELPDESK_LDAP_RECHECK_MINUTES", default=5.0)
# Role -> the DN of the directory group that gives it (strongest wins; none: requester).
HELPDESK_LDAP_ROLE_GROUPS: dict[str, str] = {
    role: dn
    for role, dn in (
        ("agent", env.str("HELPDESK_LDAP_GROUP_AGENT", default="")),
        ("supervisor", env.str("HELPDESK_LDAP_GROUP_SUPERVISOR", default="")),
        ("admin", env.str("HELPDESK_LDAP_GROUP_ADMIN", default="")),
    )
    if dn
}
# Support level number -> the DN of the directory group whose members work it.
HELPDESK_LDAP_LEVEL_GROUPS: dict[int, str] = {
    number: dn
    for number, dn in (
        (1, env.str("HELPDESK_LDAP_GROUP_LEVEL_1", default="")),
        (2, env.str("HELPDESK_LDAP_GROUP_LEVEL_2", default="")),
        (3, env.str("HELPDESK_LDAP_GROUP_LEVEL_3", default="")),
    )
    if dn
}
if AUTH_LDAP_SERVER_URI:
    import ldap
    from django_auth_ldap import config as ldap_config

    _LDAP_GROUP_TYPES = {
        "groupOfNames": (ldap_config.GroupOfNamesType, "(objectClass=groupOfNames)"),
        "nestedGroupOfNames": (ldap_config.NestedGroupOfNamesType, "(objectClass=groupOfNames)"),
        "groupOfUniqueNames": (ldap_config.GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
        "posixGroup": (ldap_config.PosixGroupType, "(objectClass=posixGroup)"),
        "activeDirectory": (ldap_config.ActiveDirectoryGroupType, "(objectClass=group)"),
        "nestedActiveDirectory": (ldap_config.NestedActiveDirectoryGroupType, "(objectClass=group)"),
    }
    _ldap_group_type = env.str("HELPDESK_LDAP_GROUP_TYPE", default="groupOfNames")
    if _ldap_group_type not in _LDAP_GROUP_TYPES:
        raise ImproperlyConfigured(
            f"HELPDESK_LDAP_GROUP_TYPE is {_ldap_group_type!r}; it is one of {', '.join(_LDAP_GROUP_TYPES)}."
        )
    _ldap_user_base = env.str("HELPDESK_LDAP_USER_BASE", default="")
    if not _ldap_user_base:
        raise ImproperlyConfigured("Set HELPDESK_LDAP_USER_BASE: where the directory's people are searched.")
    # The service account the helpdesk searches with (empty: an anonymous search).
    AUTH_LDAP_BIND_DN = env.str("HELPDESK_LDAP_BIND_DN", default="")
    AUTH_LDAP_BIND_PASSWORD = env.str("HELPDESK_LDAP_BIND_PASSWORD", default="")
    AUTH_LDAP_START_TLS = env.bool("HELPDESK_LDAP_START_TLS", default=False)
    AUTH_LDAP_USER_SEARCH = ldap_config.LDAPSearch(
        _ldap_user_base, ldap.SCOPE_SUBTREE, env.str("HELPDESK_LDAP_USER_FILTER", default="(uid=%(user)s)")
    )
    AUTH_LDAP_USER_ATTR_MAP = {
        field: attribute
        for field, attribute in (
            ("first_name", env.str("HELPDESK_LDAP_ATTR_FIRST_NAME", default="givenName")),
            ("last_name", env.str("HELPDESK_LDAP_ATTR_LAST_NAME", default="sn")),
            ("email", env.str("HELPDESK_LDAP_ATTR_EMAIL", default="mail")),
            ("phone", env.str("HELPDESK_LDAP_ATTR_PHONE", default="mobile")),
        )
        if attribute
    }
    AUTH_LDAP_ALWAYS_UPDATE_USER = True
    _ldap_group_base = env.str("HELPDESK_LDAP_GROUP_BASE", default="")
    if _ldap_group_base:
        _group_class, _group_filter = _LDAP_GROUP_TYPES[_ldap_group_type]
        AUTH_LDAP_GROUP_SEARCH = ldap_config.LDAPSearch(_ldap_group_base, ldap.SCOPE_SUBTREE, _group_filter)
        AUTH_LDAP_GROUP_TYPE = _group_class()
    elif HELPDESK_LDAP_ROLE_GROUPS or HELPDESK_LDAP_LEVEL_GROUPS:
        raise ImproperlyConfigured("Set HELPDESK_LDAP_GROUP_BASE: the role and level groups are searched there.")
    AUTH_LDAP_REQUIRE_GROUP = env.str("HELPDESK_LDAP_REQUIRE_GROUP", default="") or None
    AUTH_LDAP_DENY_GROUP = env.str("HELPDESK_LDAP_DENY_GROUP", default="") or None
    _ldap_timeout = env.float("HELPDESK_LDAP_TIMEOUT_SECONDS", default=5.0)
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: _ldap_timeout,
        ldap.OPT_TIMEOUT: _ldap_timeout,
        # Active Directory's referrals lead to servers the service account cannot search.
        ldap.OPT_REFERRALS: 0,
    }
    if _ldap_ca_file := env.str("HELPDESK_LDAP_CA_FILE", default=""):
        AUTH_LDAP_GLOBAL_OPTIONS = {ldap.OPT_X_TLS_CACERTFILE: _ldap_ca_file}
    # Right after django-axes, which must refuse a locked-out name before the directory is asked.
    AUTHENTICATION_BACKENDS.insert(1, "accounts.directory.DirectoryBackend")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- sign-in throttling (django-axes for the pages, accounts.authentication for API tokens)
# After this many failed sign-ins for one username, or from one client address, both are
# refused for the cool-off, the right password too; one success clears that person's count.
AXES_FAILURE_LIMIT = env.int("HELPDESK_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("HELPDESK_SIGNIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Axes' database handler, but a success clears only its own username's failures.
AXES_HANDLER = "accounts.lockout.SignInAttempts"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Its start-up banner and long client descriptions stay out of the logs.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.views.signin_locked_out"
# A failure while locked out does not prolong the lock: the page says when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client's address. With no proxy (0) it is the connection's and X-Forwarded-For is
# never read, so nobody chooses their own. Behind N proxies (1 behind deploy/Caddyfile),
# each appending the address it received the request from, it is the N-th address from the
# right of X-Forwarded-For: whatever a client put further left is ignored.
HELPDESK_TRUSTED_PROXY_COUNT = env.int("HELPDESK_TRUSTED_PROXY_COUNT", default=0)
if HELPDESK_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("HELPDESK_TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...]
AXES_IPWARE_PROXY_COUNT: int | None
if HELPDESK_TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    # django-ipware counts the proxies the header lists before the last one (REMOTE_ADDR).
    AXES_IPWARE_PROXY_COUNT = HELPDESK_TRUSTED_PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
AXES_IPWARE_PROXY_ORDER = "left-most"
# Addresses a client wrote to the left of the proxies' own are not a reason to distrust
# the ones the proxies wrote.
IPWARE_STRICT = False
# Wrong API tokens from one client address: this many within the cool-off and that
# address is refused (429, with Retry-After) for the rest of it, a right token too.
HELPDESK_API_TOKEN_FAILURE_LIMIT = env.int("HELPDESK_API_TOKEN_FAILURE_LIMIT", default=10)
# Password reset mail: at most this many asked for one address, and from one client, per hour.
HELPDESK_PASSWORD_RESET_EMAIL_LIMIT = env.int("HELPDESK_PASSWORD_RESET_EMAIL_LIMIT", default=3)
HELPDESK_PASSWORD_RESET_CLIENT_LIMIT = env.int("HELPDESK_PASSWORD_RESET_CLIENT_LIMIT", default=10)
HELPDESK_PASSWORD_RESET_WINDOW = timedelta(hours=1)
# A new password (changed, reset, or set by an administrator) revokes the person's API tokens.
HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS = env.bool("HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS", default=True)

# --- two-factor sign-in (django-otp: an authenticator app's codes, and one-time backup codes)
# Anyone may turn it on from their profile; people of these roles (accounts.choices.Role)
# must, and see no page but its set-up until they have. "none": nobody must. (Not an empty
# value: that counts as unset, as docker-compose.yml passes every variable it is not given.)
_ROLE_NAMES = ("requester", "agent", "supervisor", "admin")
HELPDESK_2FA_REQUIRED_ROLES = _names(
    env.list("HELPDESK_2FA_REQUIRED_ROLES", cast=str.strip, default=["supervisor", "admin"])
)
if HELPDESK_2FA_REQUIRED_ROLES == ["none"]:
    HELPDESK_2FA_REQUIRED_ROLES = []
for _role in HELPDESK_2FA_REQUIRED_ROLES:
    if _role not in _ROLE_NAMES:
        raise ImproperlyConfigured(
            f"HELPDESK_2FA_REQUIRED_ROLES: {_role!r} is not a role (one of {', '.join(_ROLE_NAMES)}), nor none."
        )
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("HELPDESK_2FA_ISSUER", default="IT Helpdesk")
# After a wrong code the next is refused for 1, 2, 4, 8 … seconds (django-otp, per person).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin never shows an app's secret key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# How many backup codes a person is given at a time.
HELPDESK_2FA_BACKUP_CODES = 10

# --- OpenID Connect sign-in (accounts/oidc.py, mozilla-django-oidc): a second way in,
# beside passwords, through Entra ID, Google Workspace, Keycloak or any other provider.
# Off unless a client id is set. The endpoints come from the issuer's discovery document
# unless named one by one; ID tokens must be RS256, signed by a key of the provider's JWKS.
HELPDESK_OIDC_CLIENT_ID = env.str("HELPDESK_OIDC_CLIENT_ID", default="")
HELPDESK_OIDC_CLIENT_SECRET = env.str("HELPDESK_OIDC_CLIENT_SECRET", default="")
HELPDESK_OIDC_ISSUER = env.str("HELPDESK_OIDC_ISSUER", default="").rstrip("/")
HELPDESK_OIDC_AUTHORIZATION_ENDPOINT = env.str("HELPDESK_OIDC_AUTHORIZATION_ENDPOINT", default="")
HELPDESK_OIDC_TOKEN_ENDPOINT = env.str("HELPDESK_OIDC_TOKEN_ENDPOINT", default="")
HELPDESK_OIDC_USERINFO_ENDPOINT = env.str("HELPDESK_OIDC_USERINFO_ENDPOINT", default="")
HELPDESK_OIDC_JWKS_ENDPOINT = env.str("HELPDESK_OIDC_JWKS_ENDPOINT", default="")
HELPDESK_OIDC_SCOPES = env.str("HELPDESK_OIDC_SCOPES", default="openid email profile")
# The sign-in page's button reads "Sign in with <label>".
HELPDESK_OIDC_LABEL = env.str("HELPDESK_OIDC_LABEL", default="single sign-on")
# Someone the provider vouches for who has no account yet gets one (as a requester, unless
# the groups below say otherwise); off: only people with an account may come in this way.
HELPDESK_OIDC_CREATE_USERS = env.bool("HELPDESK_OIDC_CREATE_USERS", default=True)
# The claim that lists a person's groups, and the group values that make them an agent, a
# supervisor or an administrator, and a member of each support level. Once any role group
# is named, the role follows the claim at every sign-in (no named group: requester); once
# any level group is named, membership of each named level does.
HELPDESK_OIDC_GROUPS_CLAIM = env.str("HELPDESK_OIDC_GROUPS_CLAIM", default="groups")
HELPDESK_OIDC_GROUP_AGENT = env.str("HELPDESK_OIDC_GROUP_AGENT", default="")
HELPDESK_OIDC_GROUP_SUPERVISOR = env.str("HELPDESK_OIDC_GROUP_SUPERVISOR", default="")
HELPDESK_OIDC_GROUP_ADMIN = env.str("HELPDESK_OIDC_GROUP_ADMIN", default="")
HELPDESK_OIDC_GROUP_LEVEL_1 = env.str("HELPDESK_OIDC_GROUP_LEVEL_1", default="")
HELPDESK_OIDC_GROUP_LEVEL_2 = env.str("HELPDESK_OIDC_GROUP_LEVEL_2", default="")
HELPDESK_OIDC_GROUP_LEVEL_3 = env.str("HELPDESK_OIDC_GROUP_LEVEL_3", default="")
if HELPDESK_OIDC_CLIENT_ID:
    _endpoints = [
        HELPDESK_OIDC_AUTHORIZATION_ENDPOINT,
        HELPDESK_OIDC_TOKEN_ENDPOINT,
        HELPDESK_OIDC_USERINFO_ENDPOINT,
        HELPDESK_OIDC_JWKS_ENDPOINT,
    ]
    if not HELPDESK_OIDC_CLIENT_SECRET:
        raise ImproperlyConfigured("HELPDESK_OIDC_CLIENT_ID is set: set HELPDESK_OIDC_CLIENT_SECRET too.")
    if not HELPDESK_OIDC_ISSUER and not all(_endpoints):
        raise ImproperlyConfigured(
            "HELPDESK_OIDC_CLIENT_ID is set: set HELPDESK_OIDC_ISSUER, or the authorization, token, "
            "userinfo and JWKS endpoints (HELPDESK_OIDC_*_ENDPOINT)."
        )

# --- language and time
LANGUAGE_CODE = env.str("HELPDESK_LANGUAGE", default="en")
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("HELPDESK_TIME_ZONE", default="Asia/Jakarta")
# The time zones people may pick for themselves: Indonesia's three.
HELPDESK_TIME_ZONES: list[tuple[str, str | Promise]] = [
    ("Asia/Jakarta", _("WIB, Western Indonesia (Jakarta)")),
    ("Asia/Makassar", _("WITA, Central Indonesia (Makassar)")),
    ("Asia/Jayapura", _("WIT, Eastern Indonesia (Jayapura)")),
]
if TIME_ZONE not in dict(HELPDESK_TIME_ZONES):
    HELPDESK_TIME_ZONES.insert(0, (TIME_ZONE, TIME_ZONE))
# Country assumed for phone numbers written without a country code (0812… in Indonesia).
HELPDESK_PHONE_REGION = env.str("HELPDESK_PHONE_REGION", default="ID")
USE_I18N = True
USE_TZ = True

# --- static and uploaded files
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files are served only through the attachment view, which checks access.
MEDIA_ROOT = Path(env.str("HELPDESK_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
HELPDESK_ATTACHMENT_EXTENSIONS = _names(
    env.list(
        "HELPDESK_ATTACHMENT_EXTENSIONS",
        cast=str.strip,
        default=[
            "pdf",
            "png",
            "jpg",
            "jpeg",
            "gif",
            "webp",
            "txt",
            "log",
            "csv",
            "doc",
            "docx",
            "xls",
            "xlsx",
            "odt",
            "ods",
            "zip",
        ],
    )
)
# Several files may go with one post (a new ticket, a reply): at most this many, together
# at most this many bytes.
HELPDESK_ATTACHMENT_MAX_FILES = env.int("HELPDESK_ATTACHMENT_MAX_FILES", default=5)
HELPDESK_ATTACHMENT_MAX_TOTAL_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_TOTAL_BYTES", default=25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- forms
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- mail and SMS: written to files under var/ unless configured
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where replies to ticket mail go (each ticket's reply address is its plus address):
# the mailbox the helpdesk reads. Empty: the sender address.
HELPDESK_REPLY_ADDRESS = env.str("HELPDESK_REPLY_ADDRESS", default="")
# Mail in from someone without an account: accept (a requester account is made for
# them), reject (a polite automatic answer, no ticket) or hold (kept for an administrator).
HELPDESK_INBOUND_UNKNOWN_SENDERS = env.str("HELPDESK_INBOUND_UNKNOWN_SENDERS", default="accept").strip().lower()
if HELPDESK_INBOUND_UNKNOWN_SENDERS not in {"accept", "reject", "hold"}:
    raise ImproperlyConfigured(
        f"HELPDESK_INBOUND_UNKNOWN_SENDERS is {HELPDESK_INBOUND_UNKNOWN_SENDERS!r}; it is accept, reject or hold."
    )
# A runaway sender: past this many new tickets by mail in the window, their mail is held.
HELPDESK_INBOUND_SENDER_LIMIT = env.int("HELPDESK_INBOUND_SENDER_LIMIT", default=20)
HELPDESK_INBOUND_SENDER_WINDOW_MINUTES = env.int("HELPDESK_INBOUND_SENDER_WINDOW_MINUTES", default=60)

# --- email in: mailboxes the worker reads, and mail providers post
# Key the mailbox passwords are encrypted with (Fernet); empty: derived from SECRET_KEY.
HELPDESK_MAILBOX_KEY = env.str("HELPDESK_MAILBOX_KEY", default="")
# A CA certificate file to check the IMAP servers' certificates with, besides the system's.
HELPDESK_MAILBOX_CA_FILE = env.str("HELPDESK_MAILBOX_CA_FILE", default="")
# What becomes of a mail once its ticket or comment is committed: "delete" or "seen".
HELPDESK_MAILBOX_AFTER = env.str("HELPDESK_MAILBOX_AFTER", default="delete")
if HELPDESK_MAILBOX_AFTER not in ("delete", "seen"):
    raise ImproperlyConfigured('HELPDESK_MAILBOX_AFTER is "delete" or "seen".')
HELPDESK_MAILBOX_POLL_SECONDS = env.float("HELPDESK_MAILBOX_POLL_SECONDS", default=60.0)
HELPDESK_MAILBOX_TIMEOUT = env.float("HELPDESK_MAILBOX_TIMEOUT", default=30.0)
# Mail a provider posts (anymail's inbound webhooks): the user:password it must send.
ANYMAIL = {"WEBHOOK_SECRET": env.str("HELPDESK_INBOUND_WEBHOOK_SECRET", default="")}

# --- SMS in, and pages
# The shared secret SMS gateways send to /inbound/sms/ (a Bearer token, or the key of an
# HMAC-SHA256 of the body); empty: that endpoint is absent. Twilio's /inbound/sms/twilio/
# checks Twilio's signature with TWILIO_AUTH_TOKEN instead.
HELPDESK_SMS_INBOUND_SECRET = env.str("HELPDESK_SMS_INBOUND_SECRET", default="")
# Messages one number may send in an hour; past it the rest are refused (answered once).
HELPDESK_SMS_INBOUND_PER_HOUR = env.int("HELPDESK_SMS_INBOUND_PER_HOUR", default=20)
# A page not acknowledged is sent again every this many minutes, this many times.
HELPDESK_PAGE_REPEAT_MINUTES = env.float("HELPDESK_PAGE_REPEAT_MINUTES", default=5.0)
HELPDESK_PAGE_REPEAT_LIMIT = env.int("HELPDESK_PAGE_REPEAT_LIMIT", default=3)

# --- Monitoring alerts in (Alertmanager, Zabbix, any tool posting the generic form)
# One ticket per alert fingerprint, or per Alertmanager group ("fingerprint" or "group").
HELPDESK_ALERTS_GROUP_BY = env.str("HELPDESK_ALERTS_GROUP_BY", default="fingerprint").strip().lower()
if HELPDESK_ALERTS_GROUP_BY not in ("fingerprint", "group"):
    raise ImproperlyConfigured('HELPDESK_ALERTS_GROUP_BY is "fingerprint" or "group".')
# An alert's severity label → the ticket's priority (1-4); an unknown severity is P3.
HELPDESK_ALERTS_SEVERITY_PRIORITIES = env.str(
    "HELPDESK_ALERTS_SEVERITY_PRIORITIES",
    default="critical=1,disaster=1,high=2,error=2,average=3,warning=3,info=4,information=4,not classified=4",
)
# The labels, first found first, whose value names the ticket's category.
HELPDESK_ALERTS_CATEGORY_LABELS = _names(
    env.list("HELPDESK_ALERTS_CATEGORY_LABELS", cast=str.strip, default=["category", "service"])
)
# A firing alert whose ticket was resolved less than this many hours ago reopens it.
HELPDESK_ALERTS_REOPEN_HOURS = env.float("HELPDESK_ALERTS_REOPEN_HOURS", default=24.0)
# A resolved alert resolves its ticket when nobody has worked it (no assignee, no reply).
HELPDESK_ALERTS_AUTO_RESOLVE = env.bool("HELPDESK_ALERTS_AUTO_RESOLVE", default=True)
# The service account that files alert tickets (made on first use; it cannot sign in).
HELPDESK_ALERTS_ACCOUNT = env.str("HELPDESK_ALERTS_ACCOUNT", default="monitoring").strip() or "monitoring"
# HTTP basic auth for senders that cannot send a Bearer token; empty password: off.
HELPDESK_ALERTS_BASIC_USER = env.str("HELPDESK_ALERTS_BASIC_USER", default="alertmanager")
HELPDESK_ALERTS_BASIC_PASSWORD = env.str("HELPDESK_ALERTS_BASIC_PASSWORD", default="")

# --- Procurement
# The currency of component reports and procurement requests (ISO 4217 code).
HELPDESK_CURRENCY = env.str("HELPDESK_CURRENCY", default="IDR").strip().upper()[:3] or "IDR"
# A procurement request whose total is above this needs a second approver (a different
# supervisor or an administrator) after the first.
try:
    HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT = Decimal(
        env.str("HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT", default="10000000").replace("_", "")
    )
except InvalidOperation as exc:
    raise ImproperlyConfigured(
        "HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT must be a number, such as 10000000."
    ) from exc

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.filebased.SmsBackend")
if SMS_BACKEND.startswith("escalation.sms."):
    # The backends lived in escalation.sms before; settings that name them there keep working.
    SMS_BACKEND = "notifications.sms." + SMS_BACKEND.removeprefix("escalation.sms.")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms")))
# notifications.sms.http.SmsBackend: a generic HTTP gateway.
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_METHOD = env.str("SMS_HTTP_METHOD", default="POST")
SMS_HTTP_HEADERS = env.json("SMS_HTTP_HEADERS", default={})
SMS_HTTP_CONTENT_TYPE = env.str("SMS_HTTP_CONTENT_TYPE", default="application/json")
SMS_HTTP_BODY_TEMPLATE = env.str("SMS_HTTP_BODY_TEMPLATE", default='{"to": "{to}", "message": "{body}"}')
SMS_HTTP_ID_FIELD = env.str("SMS_HTTP_ID_FIELD", default="id")
SMS_HTTP_IDEMPOTENCY_HEADER = env.str("SMS_HTTP_IDEMPOTENCY_HEADER", default="")
HELPDESK_WEBHOOK_TIMEOUT = env.float("HELPDESK_WEBHOOK_TIMEOUT", default=10.0)
# Where webhooks may go (notifications/webhooks.py): never loopback, link-local, metadata,
# unspecified, multicast or reserved addresses; private networks only when allowed; the
# networks listed (e.g. 127.0.0.1/32 for a receiver on this host) whatever they are,
# except a metadata service, an unspecified or a multicast address.
HELPDESK_WEBHOOK_ALLOW_PRIVATE = env.bool("HELPDESK_WEBHOOK_ALLOW_PRIVATE", default=False)
HELPDESK_WEBHOOK_ALLOWED_NETWORKS = _names(env.list("HELPDESK_WEBHOOK_ALLOWED_NETWORKS", cast=str.strip, default=[]))
for _allowed in HELPDESK_WEBHOOK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_allowed, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"HELPDESK_WEBHOOK_ALLOWED_NETWORKS: {_error}") from _error
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
# notifications.sms.twilio.SmsBackend.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")

# Base address used in links inside emails and SMS.
HELPDESK_BASE_URL = env.str("HELPDESK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Celery: a broker on the filesystem unless CELERY_BROKER_URL is set
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's transport, writing each message file whole before a worker can see it.
    CELERY_BROKER_TRANSPORT = "helpdesk.broker:Transport"
    _broker_dir = VAR_DIR / "celery-broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker gives up quickly: the outbox row stays
# pending and the periodic sweep hands it over once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to
# reuse it: a delivery would then pay a new PostgreSQL connection each time.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Mail and SMS on their own queue, periodic work on another, so a burst of notifications
# never delays the SLA sweep; production runs a worker for each (docker-compose.yml).
CELERY_TASK_ROUTES = {
    "escalation.tasks.notification_send": {"queue": "notifications"},
    "escalation.tasks.sla_notify": {"queue": "notifications"},
    "escalation.tasks.notification_sweep": {"queue": "periodic"},
    "escalation.tasks.sla_sweep": {"queue": "periodic"},
    "health.tasks.heartbeat": {"queue": "periodic"},
    "intake.tasks.mailboxes_fetch": {"queue": "periodic"},
    "maintenance.tasks.maintenance_open": {"queue": "periodic"},
    "vendors.tasks.vendor_reminders_send": {"queue": "periodic"},
    "routing.tasks.levels_assign": {"queue": "periodic"},
    "tickets.tasks.follow_up_sweep": {"queue": "periodic"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HELPDESK_SWEEP_SECONDS = env.float("HELPDESK_SWEEP_SECONDS", default=30.0)
HELPDESK_HEARTBEAT_SECONDS = env.float("HELPDESK_HEARTBEAT_SECONDS", default=30.0)
HELPDESK_SLA_SWEEP_SECONDS = env.float("HELPDESK_SLA_SWEEP_SECONDS", default=20.0)
# How often preventive maintenance tickets whose time has come are opened.
HELPDESK_MAINTENANCE_SECONDS = env.float("HELPDESK_MAINTENANCE_SECONDS", default=60.0)
# Vendors: how often the sweep looks for overdue vendors, and how long it waits before
# chasing one again once a reminder has gone.
HELPDESK_VENDOR_REMINDER_SWEEP_SECONDS = env.float("HELPDESK_VENDOR_REMINDER_SWEEP_SECONDS", default=300.0)
HELPDESK_VENDOR_REMINDER_HOURS = env.float("HELPDESK_VENDOR_REMINDER_HOURS", default=24.0)
if HELPDESK_VENDOR_REMINDER_HOURS <= 0:
    raise ImproperlyConfigured("HELPDESK_VENDOR_REMINDER_HOURS is more than 0.")
# Assets: supervisors hear of warranties and licences ending within this many days; the
# check runs this often (seconds; daily by default). Uploaded asset files are refused
# above this size (MB).
HELPDESK_ASSET_EXPIRY_WARNING_DAYS = env.int("HELPDESK_ASSET_EXPIRY_WARNING_DAYS", default=30)
HELPDESK_ASSET_EXPIRY_CHECK_SECONDS = env.float("HELPDESK_ASSET_EXPIRY_CHECK_SECONDS", default=86400.0)
HELPDESK_ASSET_IMPORT_MAX_MB = env.int("HELPDESK_ASSET_IMPORT_MAX_MB", default=20)
# Snoozed tickets come back and reminders go out on a sweep this often (seconds).
HELPDESK_FOLLOW_UP_SWEEP_SECONDS = env.float("HELPDESK_FOLLOW_UP_SWEEP_SECONDS", default=30.0)
# A resolved ticket nobody confirms or answers closes itself after this many business
# days on its SLA calendar (its requester told the morning of the last one); 0: never.
HELPDESK_AUTO_CLOSE_BUSINESS_DAYS = env.int("HELPDESK_AUTO_CLOSE_BUSINESS_DAYS", default=5)
if HELPDESK_AUTO_CLOSE_BUSINESS_DAYS < 0:
    raise ImproperlyConfigured("HELPDESK_AUTO_CLOSE_BUSINESS_DAYS is 0 (never) or more.")
CELERY_BEAT_SCHEDULE = {
    "follow-up-sweep": {
        "task": "tickets.tasks.follow_up_sweep",
        "schedule": HELPDESK_FOLLOW_UP_SWEEP_SECONDS,
    },
    "sla-sweep": {
        "task": "escalation.tasks.sla_sweep",
        "schedule": HELPDESK_SLA_SWEEP_SECONDS,
    },
    "notification-sweep": {
        "task": "escalation.tasks.notification_sweep",
        "schedule": HELPDESK_SWEEP_SECONDS,
    },
    "worker-heartbeat": {
        "task": "health.tasks.heartbeat",
        "schedule": HELPDESK_HEARTBEAT_SECONDS,
    },
    "mailboxes-fetch": {
        "task": "intake.tasks.mailboxes_fetch",
        "schedule": HELPDESK_MAILBOX_POLL_SECONDS,
    },
    "maintenance-open": {
        "task": "maintenance.tasks.maintenance_open",
        "schedule": HELPDESK_MAINTENANCE_SECONDS,
    },
    # Assignment policies over the tickets still waiting (shifts that began, busy moments).
    "routing-sweep": {
        "task": "routing.tasks.levels_assign",
        "schedule": 60.0,
    },
    "vendor-reminders": {
        "task": "vendors.tasks.vendor_reminders_send",
        "schedule": HELPDESK_VENDOR_REMINDER_SWEEP_SECONDS,
    },
    "asset-expiry-warnings": {
        "task": "assets.tasks.expiry_warnings",
        "schedule": HELPDESK_ASSET_EXPIRY_CHECK_SECONDS,
    },
}

# SLA policies, calendars and webhook endpoints are read once per process and re-read
# after this many seconds (at once in the process that changes them).
HELPDESK_CONFIG_CACHE_SECONDS = env.float("HELPDESK_CONFIG_CACHE_SECONDS", default=60.0)
# Public knowledge base articles are readable without signing in; 0 opens them to
# signed-in people only (internal articles and drafts are for support staff either way).
HELPDESK_KB_PUBLIC = env.bool("HELPDESK_KB_PUBLIC", default=True)
# Queue pages refresh themselves this often (seconds).
HELPDESK_QUEUE_REFRESH_SECONDS = env.int("HELPDESK_QUEUE_REFRESH_SECONDS", default=30)
# A bulk action (the queue's bulk bar, POST /api/v1/tickets/bulk/) changes at most this many tickets.
HELPDESK_BULK_MAX_TICKETS = env.int("HELPDESK_BULK_MAX_TICKETS", default=500)
# Reports: figures are computed at most this often for the same filters (never over a minute).
REPORTS_CACHE_SECONDS = min(env.int("HELPDESK_REPORTS_CACHE_SECONDS", default=30), 60)

# Satisfaction ratings: the scale the requester rates on (five: 1 to 5; two: good or bad)
# and how many days the signed links in the resolution mail keep working.
HELPDESK_CSAT_SCALE = env.str("HELPDESK_CSAT_SCALE", default="five").strip().lower()
if HELPDESK_CSAT_SCALE not in {"five", "two"}:
    raise ImproperlyConfigured(f"HELPDESK_CSAT_SCALE is {HELPDESK_CSAT_SCALE!r}; it is five or two.")
HELPDESK_CSAT_LINK_DAYS = env.int("HELPDESK_CSAT_LINK_DAYS", default=14)
if HELPDESK_CSAT_LINK_DAYS < 1:
    raise ImproperlyConfigured("HELPDESK_CSAT_LINK_DAYS is at least 1.")
HELPDESK_CACHE_URL = env.str("HELPDESK_CACHE_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "helpdesk"},
    # Configuration each process keeps in its own memory (sla and notifications selectors).
    "config": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "helpdesk-config",
        "TIMEOUT": HELPDESK_CONFIG_CACHE_SECONDS,
    },
}
if HELPDESK_CACHE_URL.startswith("redis://"):
    # django-redis: one client per connection pool (Django's own backend makes a new
    # client for every call, which costs more than the call).
    CACHES["default"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": HELPDESK_CACHE_URL}
# API callers' tokens (with their person and permissions) are kept in the cache this long;
# revoking a token or changing a person's access removes them from it at once (0: read
# the database on every API request).
HELPDESK_API_TOKEN_CACHE_SECONDS = env.int("HELPDESK_API_TOKEN_CACHE_SECONDS", default=60)

# Outbox: rows left pending this long are handed to Celery again; rows stuck in
# "sending" (a worker died mid-send) are released after the claim timeout.
HELPDESK_NOTIFICATION_MAX_ATTEMPTS = env.int("HELPDESK_NOTIFICATION_MAX_ATTEMPTS", default=5)
# A failed send waits RETRY_AFTER, then twice that, four times... never more than RETRY_MAX.
HELPDESK_NOTIFICATION_RETRY_AFTER = timedelta(seconds=env.float("HELPDESK_NOTIFICATION_RETRY_AFTER", default=20.0))
HELPDESK_NOTIFICATION_RETRY_MAX = timedelta(seconds=env.float("HELPDESK_NOTIFICATION_RETRY_MAX", default=3600.0))
# Rows of one channel go to a worker in batches of up to this many (one task each).
HELPDESK_NOTIFICATION_BATCH = env.int("HELPDESK_NOTIFICATION_BATCH", default=20)
HELPDESK_NOTIFICATION_CLAIM_TIMEOUT = timedelta(seconds=env.float("HELPDESK_NOTIFICATION_CLAIM_TIMEOUT", default=300.0))
# /healthz/ reports the worker unwell when its last heartbeat is older than this.
HELPDESK_HEARTBEAT_MAX_AGE = timedelta(seconds=env.int("HELPDESK_HEARTBEAT_MAX_AGE", default=120))

# --- production hardening (all on when DEBUG is off)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The configuration's audit (django-auditlog): every change to these, in the admin or
# anywhere else, is kept with who made it, when, from where, and each field before → after.
# Administrators read it in the admin (Audit log). Secrets are masked; what a sign-in sets by
# itself (last_login, the language the person signed in with, when the directory last
# vouched for them) is not a change of configuration.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "sla.Calendar",
    "sla.WorkingPeriod",
    "sla.Holiday",
    "sla.SlaPolicy",
    "escalation.EscalationRule",
    {"model": "notifications.WebhookEndpoint", "mask_fields": ["secret"]},
    {"model": "accounts.SupportLevel", "m2m_fields": {"members"}},
    "tickets.Category",
    "replies.CannedReply",
    "routing.AssignmentPolicy",
    "routing.AgentSkill",
    {"model": "routing.AgentProfile", "include_fields": ["calendar"]},
    "vendors.Vendor",
    "vendors.VendorContact",
    "vendors.VendorContract",
    {"model": "auth.Group", "m2m_fields": {"permissions"}},
    {
        "model": "accounts.User",
        # The routing profile is audited as a model of its own.
        "exclude_fields": ["last_login", "language", "directory_checked_at", "routing_profile"],
        "mask_fields": ["password"],
        "m2m_fields": {"groups", "user_permissions"},
    },
    # Second factors: turned on, off, or reset by an administrator. Their secret is masked
    # whole; what each sign-in changes (the last code used, throttling) is not recorded.
    {
        "model": "otp_totp.TOTPDevice",
        "mask_fields": ["key"],
        "mask_callable": "accounts.audit.mask_whole",
        "exclude_fields": [
            "last_t",
            "drift",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "last_used_at",
        ],
    },
    {
        "model": "otp_static.StaticDevice",
        "exclude_fields": ["throttling_failure_timestamp", "throttling_failure_count", "last_used_at"],
    },
)

# Content-Security-Policy on every response (django-csp): scripts, styles, images and fonts
# from this site only, no inline script or style, no plugins, no framing, forms post here.
# Images may be data: URIs (Bootstrap's form controls draw their icons with them, and the
# two-factor set-up its QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SILENCED_SYSTEM_CHECKS = _names(env.list("SILENCED_SYSTEM_CHECKS", cast=str.strip, default=[]))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (PostgreSQL's INCLUDE) become plain indexes on SQLite, on purpose.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes says at INFO what it does on every failed sign-in; its warnings suffice.
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

REST_FRAMEWORK = {
    # The token scheme first: a caller without credentials is told to authenticate (401).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        # The browser's session, once its second factor is verified where one is needed.
        "accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # orjson writes the same JSON in a fraction of the time of the standard library's.
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("HELPDESK_API_ANON_RATE", default="60/minute"),
        "user": env.str("HELPDESK_API_USER_RATE", default="1200/minute"),
    },
    # The throttles' client address, as for sign-in (HELPDESK_TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": HELPDESK_TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IT Helpdesk API",
    "DESCRIPTION": "Tickets, their actions, comments, attachments, audit trail and SLA; support levels; you.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ImpactEnum": "tickets.choices.Impact",
        "UrgencyEnum": "tickets.choices.Urgency",
        "LevelEnum": "accounts.choices.Level",
        "ChannelEnum": "tickets.choices.Channel",
        "AssetStatusEnum": "assets.choices.AssetStatus",
        "AssetTypeEnum": "assets.choices.AssetType",
        "AssetClassEnum": "assets.choices.AssetClass",
        "AlertStateEnum": "alerts.choices.AlertState",
        "PresenceEnum": "routing.choices.Presence",
        "LinkKindEnum": "tickets.choices.LinkKind",
    },
}
