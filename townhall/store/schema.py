"""Tables, in SQLAlchemy Core. Times are integer milliseconds since the epoch (UTC):
portable, compact and cheap to compare on both SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
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
