"""The schema of a resume directory's DuckDB file, as an ordered list of migrations.

Each migration moves the file from version ``n - 1`` to ``n`` and runs in the same transaction that
records the new version, so a file is always at exactly one version. Add new migrations at the end;
never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

Migration = Callable[[Any], None]


def _v1_core(con: duckdb.DuckDBPyConnection) -> None:
    """Calls, memo entries and the change log that lets other processes follow along."""
    con.execute("CREATE SEQUENCE IF NOT EXISTS change_seq START 1")
    con.execute(
        """
        CREATE TABLE calls (
            seq BIGINT NOT NULL,
            call_id VARCHAR NOT NULL,
            resume_key VARCHAR,
            agent VARCHAR,
            provider VARCHAR,
            model VARCHAR,
            request JSON,
            response_text VARCHAR,
            response JSON,
            input_tokens BIGINT,
            output_tokens BIGINT,
            latency_s DOUBLE,
            cost_usd DOUBLE,
            created DOUBLE
        )
        """
    )
    con.execute(
        """
        CREATE TABLE memos (
            seq BIGINT NOT NULL,
            key VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            label VARCHAR,
            agent VARCHAR,
            inputs JSON,
            payload JSON,
            duration_s DOUBLE,
            created DOUBLE,
            mac VARCHAR
        )
        """
    )
    con.execute(
        """
        CREATE TABLE deletions (
            seq BIGINT NOT NULL,
            tbl VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            created DOUBLE
        )
        """
    )


def _v2_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Semantic-cache entries; removals go to ``deletions`` (tbl 'cache_entries', 'cache_namespaces', 'cache_all')."""
    con.execute(
        """
        CREATE TABLE cache_entries (
            seq BIGINT NOT NULL,
            id VARCHAR NOT NULL,
            namespace VARCHAR NOT NULL,
            partition_key VARCHAR NOT NULL,
            exact_key VARCHAR NOT NULL,
            embedding_model_id VARCHAR,
            prompt_text VARCHAR,
            embedding FLOAT[],
            request JSON,
            response JSON,
            response_text VARCHAR,
            model_id VARCHAR,
            provider VARCHAR,
            input_tokens BIGINT,
            output_tokens BIGINT,
            latency_s DOUBLE,
            cost_usd DOUBLE,
            created DOUBLE,
            expires DOUBLE,
            hits BIGINT,
            last_hit DOUBLE
        )
        """
    )


def _v3_activity(con: duckdb.DuckDBPyConnection) -> None:
    """The activity log: every event of the directory's runs, so a dashboard in another process sees
    what replays (which write nothing else) and calls still in flight."""
    con.execute("CREATE TABLE activity (seq BIGINT NOT NULL, ts DOUBLE, kind VARCHAR, event JSON)")


def _batch_requests(con: duckdb.DuckDBPyConnection) -> None:
    """Requests waiting in a vendor's batch job (``strategy="batch"``), so a re-run resumes the job.

    Idempotent (``IF NOT EXISTS``) and named without a number, so it can move to any place in the list."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS batch_requests (
            batch_id VARCHAR NOT NULL,
            provider VARCHAR,
            model VARCHAR,
            custom_id VARCHAR NOT NULL,
            resume_key VARCHAR NOT NULL,
            created DOUBLE
        )
        """
    )


def _last_replayed(con: duckdb.DuckDBPyConnection) -> None:
    """When each memo entry was last replayed (NULL: never since it was stored), so a size budget and
    ``pllm-notebook gc`` can drop what nobody uses first. Existing rows keep everything they had.

    Idempotent and named without a number, like ``_batch_requests``."""
    con.execute("ALTER TABLE memos ADD COLUMN IF NOT EXISTS last_replayed DOUBLE")


MIGRATIONS: list[Migration] = [_v1_core, _v2_cache, _v3_activity, _batch_requests, _last_replayed]
"""``MIGRATIONS[i]`` moves a file from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version a file is at; 0 for a new, empty file."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'pllm_meta'"
    ).fetchall()[0][0]
    if not has_meta:
        return 0
    row = con.execute("SELECT value FROM pllm_meta WHERE key = 'schema_version'").fetchall()
    return int(row[0][0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the file up to :data:`SCHEMA_VERSION`; returns the version it was at before."""
    start = current_version(con)
    if start >= SCHEMA_VERSION:
        return start
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS pllm_meta (key VARCHAR, value VARCHAR)")
        for step in MIGRATIONS[start:]:
            step(con)
        con.execute("DELETE FROM pllm_meta WHERE key = 'schema_version'")
        con.execute("INSERT INTO pllm_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return start
