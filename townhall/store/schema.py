"""Tables, in SQLAlchemy Core. Times are integer milliseconds since the epoch (UTC):
portable, compact and cheap to compare on both SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Integer primary keys: BigInteger on PostgreSQL, INTEGER (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

sites = Table(
    "sites",
    metadata,
    Column("id", Id, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("origins", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("role", String(16), nullable=False, server_default="reader"),
    Column("created_at", BigInteger, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("user_agent", String(300), nullable=True),
    Index("ix_sessions_user_id", "user_id"),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(500), nullable=False),
    Column("title", String(500), nullable=True),
    Column("url", String(2000), nullable=True),
    Column("is_open", Boolean, nullable=False, server_default="1"),
    Column("comment_count", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("site_id", "key", name="uq_threads_site_key"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("thread_id", Id, ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Id, ForeignKey("comments.id"), nullable=True),
    # root_id and display_parent_id are fixed at insert: the tree never changes shape.
    Column("root_id", Id, nullable=True),
    Column("display_parent_id", Id, nullable=True),
    Column("depth", Integer, nullable=False, server_default="0"),
    Column("author_id", Id, ForeignKey("users.id"), nullable=True),
    Column("body", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="visible"),
    Column("created_at", BigInteger, nullable=False),
    Column("edited_at", BigInteger, nullable=True),
    Column("reaction_count", Integer, nullable=False, server_default="0"),
    Column("reply_count", Integer, nullable=False, server_default="0"),
    Column("remote_addr", String(64), nullable=True),
    Index("ix_comments_thread_top", "thread_id", "parent_id", "created_at"),
    Index("ix_comments_root", "root_id", "created_at"),
    Index("ix_comments_author", "author_id", "created_at"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), nullable=False, server_default="like"),
    Column("created_at", BigInteger, nullable=False),
)

# --- moderation (issue #3) -------------------------------------------------------------
# Why a held comment waits, in words its author can read (shown only to them).
comments.append_column(Column("held_reason", String(300), nullable=True))

# What the pipeline found for each screened comment: reasons (JSON), score, language,
# the near-duplicate signature and, when it was held with others, its cluster.
comment_checks = Table(
    "comment_checks",
    metadata,
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", Id, nullable=False),
    Column("thread_id", Id, nullable=False),
    Column("author_id", Id, nullable=True),
    Column("reasons", Text, nullable=False, server_default="[]"),
    Column("toxicity", Float, nullable=True),
    Column("language", String(8), nullable=True),
    Column("signature", LargeBinary, nullable=True),
    Column("cluster_id", Id, nullable=True),
    Column("account_new", Boolean, nullable=False, server_default="0"),
    Column("network", String(64), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_comment_checks_cluster", "cluster_id"),
    Index("ix_comment_checks_thread_recent", "thread_id", "created_at"),
    Index("ix_comment_checks_site_recent", "site_id", "created_at"),
)

# Locality-sensitive buckets of the MinHash signatures: same band, likely near-duplicate.
near_dup_bands = Table(
    "near_dup_bands",
    metadata,
    Column("site_id", Id, nullable=False),
    Column("band", BigInteger, nullable=False),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_near_dup_bands_lookup", "site_id", "band", "created_at"),
)

# A group of comments held together (a campaign); moderators decide it in one action.
mod_clusters = Table(
    "mod_clusters",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, nullable=False),
    Column("thread_id", Id, nullable=True),
    Column("kind", String(32), nullable=False),
    Column("label", String(300), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("reporter_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("text", String(1000), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    UniqueConstraint("comment_id", "reporter_id", name="uq_reports_comment_reporter"),
)

# A user's standing: warned, premoderated (by a moderator or automatically), suspended, banned.
user_standing = Table(
    "user_standing",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("until", BigInteger, nullable=True),
    Column("reason", String(500), nullable=True),
    Column("automatic", Boolean, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
)

# A story's moderation mode: open, premoderated or closed (with a message).
thread_modes = Table(
    "thread_modes",
    metadata,
    Column("thread_id", Id, ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("message", String(500), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, nullable=True),
    Column("actor_id", Id, nullable=True),
    Column("action", String(32), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", Id, nullable=False),
    Column("reason", String(1000), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_audit_log_recent", "created_at"),
)

# --- identity (issue #5): verified email, one-time email links, SSO keys, linked identities ---

users.append_column(Column("email_verified_at", BigInteger, nullable=True))

# One-time links sent by email (verify, reset, magic sign-in). Only the SHA-256 of the token
# is kept, so a copy of the database cannot be used to sign in.
email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("email", String(320), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Index("ix_email_tokens_user", "user_id", "purpose"),
)

# Keys a site signs its SSO tokens with: an HS256 secret or an RS256/ES256 public key (PEM).
# A rotated-out key keeps working until expires_at, so publishers can roll without downtime.
sso_keys = Table(
    "sso_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("algorithm", String(8), nullable=False),
    Column("key", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Index("ix_sso_keys_site", "site_id"),
)

# An account's identity at a publisher (SSO) or an OpenID provider: (site, provider, subject).
external_identities = Table(
    "external_identities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("profile", Text, nullable=False, server_default="{}"),
    Column("synced_iat", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("site_id", "provider", "subject", name="uq_external_identities_subject"),
    Index("ix_external_identities_user", "user_id"),
)

# --- importers (issue #6) -------------------------------------------------------------
# One row per imported source record: running an import twice (or resuming one that was
# interrupted) skips what is already here, so nothing is duplicated.
import_keys = Table(
    "import_keys",
    metadata,
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(32), primary_key=True),
    Column("source_id", String(200), primary_key=True),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Index("ix_import_keys_comment_id", "comment_id"),
)

# --- identity, continued (issue #5): staff TOTP, recovery codes, reply notifications, ---
# --- webhooks, OpenID Connect providers ------------------------------------------------

# A staff member's TOTP secret; it counts only once confirmed with a first code. last_step
# is the 30-second step of the last accepted code, so a code cannot be replayed.
totp_secrets = Table(
    "totp_secrets",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("confirmed_at", BigInteger, nullable=True),
    Column("last_step", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

# One-time recovery codes, kept as SHA-256 only.
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("used_at", BigInteger, nullable=True),
    Index("ix_recovery_codes_user", "user_id"),
)

# A reader's notification choices. ``key`` signs their unsubscribe and feed links; a new
# key retires every link handed out before.
notify_prefs = Table(
    "notify_prefs",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("reply_email", Boolean, nullable=False, server_default="0"),
    Column("key", String(64), nullable=False),
    Column("last_mailed_at", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
    # The reply mail's language (#5, #9); NULL: the server's ``language`` setting.
    Column("language", String(16), nullable=True),
)

# "Someone answered you": the in-box list, and the queue of the batched reply mail.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Id, nullable=False),
    Column("thread_id", Id, nullable=False),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("read_at", BigInteger, nullable=True),
    Column("mailed_at", BigInteger, nullable=True),
    UniqueConstraint("user_id", "comment_id", "kind", name="uq_notifications_once"),
    Index("ix_notifications_user_recent", "user_id", "created_at"),
    Index("ix_notifications_unmailed", "mailed_at", "user_id"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("events", String(300), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_webhooks_site", "site_id"),
)

# Every attempt's outcome, for the admins' delivery log; next_attempt_at drives retries.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("webhook_id", Id, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=True),
    Column("delivered_at", BigInteger, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_webhook_deliveries_hook", "webhook_id", "created_at"),
    Index("ix_webhook_deliveries_due", "next_attempt_at"),
)

# A site's OpenID Connect providers (Google, GitHub via an OIDC bridge, Keycloak...).
oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("issuer", String(500), nullable=False),
    Column("client_id", String(300), nullable=False),
    Column("client_secret", String(500), nullable=False),
    Column("scope", String(300), nullable=False, server_default="openid email profile"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("site_id", "name", name="uq_oidc_providers_site_name"),
)

# A sign-in on its way through a provider: the PKCE verifier and nonce wait here.
oidc_states = Table(
    "oidc_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("provider_id", Id, ForeignKey("oidc_providers.id", ondelete="CASCADE"), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("return_to", String(2000), nullable=True),
    Column("expires_at", BigInteger, nullable=False),
)

# --- moderation, continued (issue #3): featured comments, moderator edits, held vs ---
# --- pending, illegal-content notices, moderator notes, per-site roles and settings ---

# A moderator pins a comment: featured comments lead the thread. A moderator's edit carries
# a note shown to readers under the comment ("Edited by a moderator: ...").
comments.append_column(Column("featured_at", BigInteger, nullable=True))
comments.append_column(Column("moderator_note", String(1000), nullable=True))

# Who held a comment: "pipeline" (rules, classifier, spam, brigading, external checker) or
# "wait" (a pre-moderated story, user or first comment). Separates the held and pending queues.
comment_checks.append_column(Column("held_by", String(16), nullable=True))

# A site's moderation settings as JSON (mode, thresholds, word lists); {} means the defaults.
sites.append_column(Column("settings", Text, nullable=False, server_default="{}"))

# The text a comment had before each moderator edit, with who changed it and why.
comment_revisions = Table(
    "comment_revisions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("editor_id", Id, nullable=True),
    Column("note", String(1000), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_comment_revisions_comment", "comment_id", "created_at"),
)

# Notices of illegal content under the EU Digital Services Act (Art. 16): who reported what
# and why, in good faith; then the decision and its statement of reasons (Art. 17).
dsa_notices = Table(
    "dsa_notices",
    metadata,
    Column("id", Id, primary_key=True),
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("comment_id", Id, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("reporter_id", Id, nullable=True),
    Column("category", String(32), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("reporter_name", String(200), nullable=False),
    Column("reporter_email", String(320), nullable=False),
    Column("good_faith", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("decided_at", BigInteger, nullable=True),
    Column("decided_by", Id, nullable=True),
    Column("decision", String(16), nullable=True),
    Column("statement", Text, nullable=True),
    Index("ix_dsa_notices_open", "site_id", "decided_at", "created_at"),
    Index("ix_dsa_notices_comment", "comment_id"),
)

# Moderators' notes on a user (site_id None: a note for every site).
user_notes = Table(
    "user_notes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Id, nullable=True),
    Column("author_id", Id, nullable=True),
    Column("text", String(2000), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_user_notes_user", "user_id", "created_at"),
)

# Per-site staff: a user who moderates one site (or several) without being a global moderator.
site_roles = Table(
    "site_roles",
    metadata,
    Column("site_id", Id, ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Index("ix_site_roles_user", "user_id"),
)

# --- privacy (issue #5): keys the server generates for itself ---------------------------
# "ip_hash": the HMAC key of stored IP addresses (comments.remote_addr and
# comment_checks.network hold only keyed hashes), used unless ip_hash_secret is set.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
