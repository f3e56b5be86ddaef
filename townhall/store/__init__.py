"""Storage: the only layer that speaks SQL. One code path for SQLite and PostgreSQL."""
