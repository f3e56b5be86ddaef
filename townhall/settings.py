"""One table of settings: the README's configuration table is generated from it.

Values come from defaults, then a TOML file, then ``TOWNHALL_*`` environment variables.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "TOWNHALL_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", str, "./townhall-data", "Folder for the SQLite database and other data."),
    Setting("database_url", str, "", "SQLAlchemy URL; empty means SQLite at DATA_DIR/townhall.db."),
    Setting("host", str, "127.0.0.1", "Address `townhall serve` listens on."),
    Setting("port", int, 8000, "Port `townhall serve` listens on."),
    Setting(
        "public_url", str, "", "The server's public origin, e.g. https://comments.example.org."
    ),
    Setting("site_origins", str, "", "Comma-separated origins allowed to embed the default site."),
    Setting("edit_window_seconds", int, 900, "How long an author may edit a comment."),
    Setting("max_comment_length", int, 10_000, "Longest comment, in characters."),
    Setting("max_body_bytes", int, 131_072, "Largest request body accepted, in bytes."),
    Setting("max_depth", int, 3, "Deepest shown reply level; deeper replies are flattened."),
    Setting("page_size", int, 20, "Top-level comments per page."),
    Setting("replies_page_size", int, 20, "Replies per top-level comment per page."),
    Setting("session_days", int, 30, "Days a session stays valid."),
    Setting("secure_cookies", str, "auto", "auto (Secure over https), always or never."),
    Setting("rate_limits_enabled", bool, True, "Turn rate limiting off (tests, benchmarks)."),
    Setting("rate_limit_signin", str, "10/minute", "Sign-in attempts per IP and per account."),
    Setting("rate_limit_signup", str, "20/hour", "Sign-ups per IP."),
    Setting("rate_limit_post", str, "10/minute", "Comments per account, and 30 a minute per IP."),
    Setting("rate_limit_post_ip", str, "30/minute", "Comments per IP address."),
    Setting("demo", bool, False, "Serve the demo article page at /."),
    Setting("log_level", str, "info", "Log level of the server."),
    # translations (#9)
    Setting("language", str, "en", "Comment box language when neither box nor page names one."),
    # scale-out (#4)
    Setting("database_replica_url", str, "", "URL of a read replica; empty reads the primary."),
    Setting("redis_url", str, "", "Redis for live updates, shared rate limits and page cache."),
    Setting("redis_prefix", str, "townhall", "Prefix of Townhall's Redis keys and channels."),
    Setting("cache_max_age", int, 5, "Seconds browsers and CDNs may reuse an anonymous read."),
    Setting("cache_ttl_seconds", int, 300, "Seconds a rendered thread page stays cached."),
    Setting("live_backlog", int, 500, "Live events kept per thread for reconnecting readers."),
    # identity and notifications (#5)
    Setting("mailer", str, "outbox", "smtp, or outbox (kept in memory: development, tests)."),
    Setting("smtp_host", str, "127.0.0.1", "SMTP server that sends Townhall's mail."),
    Setting("smtp_port", int, 25, "Port of the SMTP server."),
    Setting("smtp_security", str, "off", "off, starttls or tls (implicit TLS, port 465)."),
    Setting("smtp_username", str, "", "SMTP login; empty sends without logging in."),
    Setting("smtp_password", str, "", "SMTP password."),
    Setting("mail_from", str, "Townhall <townhall@localhost>", "Sender of Townhall's mail."),
    Setting(
        "email_verification",
        str,
        "optional",
        "off, optional (mail sent, posting allowed) or required (confirm before posting).",
    ),
    Setting("email_link_minutes", int, 60, "How long a verify, reset or sign-in link works."),
    Setting("sso_max_age_seconds", int, 300, "Oldest SSO token accepted (by its iat)."),
    Setting("sso_roles", bool, False, "Let SSO tokens make moderators and admins (user.role)."),
    Setting("staff_2fa_required", bool, False, "Moderators and admins sign in with a TOTP code."),
    Setting("reply_mail_minutes", int, 15, "Minutes between two reply mails to one reader."),
    Setting("webhook_timeout_seconds", float, 5.0, "Timeout of one webhook delivery attempt."),
    Setting("webhook_max_attempts", int, 8, "Attempts before a webhook delivery is given up."),
    Setting(
        "webhook_retry_seconds",
        str,
        "30,120,600,3600,21600,43200,86400",
        "Seconds before each retry of a webhook delivery (±10% jitter); the last repeats.",
    ),
    Setting("webhook_poll_seconds", float, 2.0, "How often each node looks for due webhooks."),
    Setting(
        "dashboard_refresh_seconds",
        float,
        15.0,
        "How often an open dashboard page refreshes its queue counts.",
    ),
    Setting("webhook_log_days", int, 30, "Days delivered and failed webhook deliveries are kept."),
    Setting(
        "webhook_allow_private",
        bool,
        False,
        "Allow webhooks to loopback and private addresses (development, tests).",
    ),
    # privacy (#5)
    Setting(
        "ip_hash_secret",
        str,
        "",
        "Key of the HMAC that IP addresses are stored as; empty: a key kept in the database.",
    ),
    Setting("ip_retention_days", int, 30, "Days an address hash is kept, then cleared (min 2)."),
    Setting("password_hash_time_cost", int, 3, "argon2id passes for new password hashes."),
    Setting(
        "password_hash_memory_kib",
        int,
        65536,
        "argon2id memory for new password hashes, in KiB (64 MiB; at least 32).",
    ),
    Setting(
        "deleted_account_comments",
        str,
        "anonymise",
        "A deleted account's comments: anonymise (shown as a deleted user) or remove.",
    ),
    # moderation (#3)
    Setting("moderation_mode", str, "open", "Default story mode: open or premoderated."),
    Setting("moderation_banned_words", str, "", "Comma-separated words rejected (stem* ok)."),
    Setting("moderation_suspect_words", str, "", "Comma-separated words held for review."),
    Setting("moderation_max_links", int, 3, "More links than this holds a comment."),
    Setting("moderation_max_mentions", int, 5, "More @mentions than this holds a comment."),
    Setting("moderation_toxicity_hold", float, 0.7, "Toxicity score that holds a comment."),
    Setting("moderation_toxicity_reject", float, 0.0, "Score that rejects; 0 never rejects."),
    Setting("moderation_unscored_policy", str, "allow", "Non-English comments: allow or hold."),
    Setting("moderation_premod_links", bool, False, "Hold every comment that has a link."),
    Setting("moderation_premod_first_comment", bool, False, "Hold new accounts' first comment."),
    Setting("moderation_new_account_hours", float, 24.0, "Accounts younger than this are new."),
    Setting("moderation_auto_close_days", int, 0, "Close a story N days after it opened; 0 never."),
    Setting("moderation_report_threshold", int, 3, "Reader reports that queue a comment."),
    Setting("moderation_cluster_similarity", float, 0.5, "MinHash similarity of near-duplicates."),
    Setting("moderation_cluster_window_hours", float, 24.0, "How far back near-duplicates count."),
    Setting("moderation_burst_minutes", int, 10, "Window of a new-account burst on one story."),
    Setting("moderation_burst_size", int, 5, "New accounts in that window that form a cluster."),
    Setting("moderation_standing_rejections", float, 0.6, "Rejected share that premoderates."),
    Setting("moderation_external_url", str, "", "External checker URL; empty turns it off."),
    Setting("moderation_external_timeout_ms", int, 800, "Timeout of the external checker."),
    # Isso-compatible API (#6): Isso's own embed.min.js, pointed at Townhall.
    Setting("isso_prefix", str, "/isso", "Path of the Isso-compatible API; empty turns it off."),
    Setting("isso_site", str, "default", "The site that comments through the Isso API go to."),
    Setting("isso_secret", str, "", "Key signing Isso edit cookies; empty: random at each start."),
)


def _coerce(setting: Setting, raw: Any) -> Any:
    if setting.type is bool and isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{setting.env} must be true or false, not {raw!r}")
    try:
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{setting.name} must be a {setting.type.__name__}, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def load(
        cls,
        toml_path: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        env = dict(os.environ) if env is None else env
        values = {s.name: s.default for s in SETTINGS}
        toml_path = toml_path or env.get("TOWNHALL_CONFIG")
        if toml_path:
            data = tomllib.loads(Path(toml_path).read_text(encoding="utf-8"))
            known = {s.name: s for s in SETTINGS}
            for key, raw in data.items():
                if key not in known:
                    raise ValueError(f"Unknown setting {key!r} in {toml_path}")
                values[key] = _coerce(known[key], raw)
        for s in SETTINGS:
            if s.env in env:
                values[s.name] = _coerce(s, env[s.env])
        for key, raw in overrides.items():
            if key not in values:
                raise ValueError(f"Unknown setting {key!r}")
            values[key] = raw
        return cls(values)

    def replace(self, **overrides: Any) -> Settings:
        return Settings({**self.values, **overrides})

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return str(self.database_url)
        path = Path(self.data_dir).resolve() / "townhall.db"
        return f"sqlite:///{path}"

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in str(self.site_origins).split(",") if o.strip()]


def markdown_table() -> str:
    """The README's configuration table."""
    rows = [
        "| Setting (TOML key) | Environment variable | Default | Meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = repr(s.default) if s.type is str else str(s.default).lower()
        rows.append(f"| `{s.name}` | `{s.env}` | `{default}` | {s.help} |")
    return "\n".join(rows)


__all__ = ["SETTINGS", "Setting", "Settings", "markdown_table"]


if __name__ == "__main__":
    print(markdown_table())
