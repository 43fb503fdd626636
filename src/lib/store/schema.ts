/**
 * The live DB's schema, in one place. `docs/schema.md` explains it for people who open the file
 * with the `duckdb` CLI. Rules: no PRIMARY KEY, UNIQUE or index on the frame, sample and log
 * tables (DuckDB's index maintenance on DELETE is where the Python bridge's fatal
 * "Failed to delete all rows from index" came from); append order and zone maps do the work.
 * No table has one, in fact: sessions are few and looked up by a scan.
 */

/** The schema version this code writes. A file with a newer one is refused. */
export const SCHEMA_VERSION = 2

/**
 * Keeps one `laps` row per (session_key, lap): the closed one (end_us set) over an open one, then
 * the last written. Migration 2 runs it on existing files, restore on archives an older pitwall
 * wrote; from then on `recordLap` (laps.ts) keeps the key by replacing the row it records again.
 */
export const DEDUPE_LAPS = `
      DELETE FROM laps WHERE rowid IN (
        SELECT rowid FROM (
          SELECT rowid, row_number() OVER (PARTITION BY session_key, lap ORDER BY end_us IS NOT NULL DESC, rowid DESC) AS n FROM laps
        ) WHERE n > 1
      )`

/** One migration per version, applied in order inside one transaction at open. */
export const MIGRATIONS: ReadonlyArray<{readonly version: number; readonly note: string; readonly sql: string}> = [
  {
    note: 'initial schema',
    sql: `
      CREATE TABLE sessions (
        id VARCHAR NOT NULL,            -- sortable by time: 20261122T091403Z-e46
        session_key INTEGER NOT NULL,   -- small number the data tables use
        car_id VARCHAR NOT NULL,
        car_hash VARCHAR NOT NULL,      -- cars.content_hash: the definition it was decoded with
        sources VARCHAR[] NOT NULL DEFAULT [],
        state VARCHAR NOT NULL,         -- live | ended | archived
        end_reason VARCHAR,             -- requested | sources_stopped | idle | unclean | shutdown
        started_us BIGINT NOT NULL,     -- µs since the epoch
        ended_us BIGINT,
        first_frame_us BIGINT,
        last_frame_us BIGINT,
        frames BIGINT NOT NULL DEFAULT 0,
        samples BIGINT NOT NULL DEFAULT 0,
        dropped BIGINT NOT NULL DEFAULT 0,
        driver VARCHAR, track VARCHAR, event VARCHAR, outing VARCHAR, tyres VARCHAR, fuel VARCHAR, notes VARCHAR,
        meta VARCHAR,                   -- JSON object of further run-sheet keys
        pid INTEGER,                    -- the process that wrote it while live
        archive_path VARCHAR
      );
      CREATE TABLE cars (
        content_hash VARCHAR NOT NULL,
        car_id VARCHAR NOT NULL,
        car_file VARCHAR,
        yaml_text VARCHAR,              -- NULL for a bare DBC car
        dbc_text VARCHAR NOT NULL,
        stored_us BIGINT NOT NULL
      );
      CREATE TABLE channels (
        session_key INTEGER NOT NULL,
        channel_id USMALLINT NOT NULL,  -- samples.channel_id
        name VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,          -- signal | pipeline | derived | method
        message VARCHAR,                -- DBC message (signal and pipeline channels)
        signal VARCHAR
      );
      CREATE TABLE sources (
        session_key INTEGER NOT NULL,
        source_id UTINYINT NOT NULL,    -- frames.source_id
        kind VARCHAR NOT NULL,          -- stdin | adapter | simulator | replay | bridge
        name VARCHAR NOT NULL,
        started_us BIGINT NOT NULL
      );
      CREATE TABLE frames (
        session_key INTEGER NOT NULL,
        source_id UTINYINT NOT NULL,
        ts_us BIGINT NOT NULL,          -- µs since the epoch (imported logs: their own stamps)
        sub_ns USMALLINT NOT NULL,      -- ns below the µs (9-digit candump stamps)
        can_id UINTEGER NOT NULL,
        flags UTINYINT NOT NULL,        -- 1 extended, 2 remote, 4 error, 8 fd, 16 brs, 32 esi, 64 rx, 128 tx
        len UTINYINT NOT NULL,          -- payload bytes (remote: requested length)
        raw_dlc UTINYINT NOT NULL,      -- classic 8-byte frame's raw DLC 9..15, else 0
        data BLOB NOT NULL
      );
      CREATE TABLE samples (
        session_key INTEGER NOT NULL,
        ts_us BIGINT NOT NULL,
        channel_id USMALLINT NOT NULL,  -- channels.channel_id of this session
        value DOUBLE                    -- NULL: no value (NaN, or a stale input)
      );
      CREATE TABLE laps (
        session_key INTEGER NOT NULL,
        lap INTEGER NOT NULL,
        start_us BIGINT NOT NULL,
        end_us BIGINT,
        lap_time_ms INTEGER,
        valid BOOLEAN,
        sectors_ms INTEGER[]
      );
      CREATE TABLE coaching_notes (
        session_key INTEGER NOT NULL,
        ts_us BIGINT NOT NULL,
        lap INTEGER,
        engine VARCHAR NOT NULL,        -- rule | litert | fallback
        rule VARCHAR,
        priority VARCHAR,
        text VARCHAR NOT NULL
      );
      CREATE TABLE ingest_log (
        session_key INTEGER,
        ts_us BIGINT NOT NULL,
        source VARCHAR NOT NULL,
        event VARCHAR NOT NULL,         -- start | stop | commit | drop | reconnect | error | recovery | clock
        frames BIGINT,
        dropped BIGINT,
        reason VARCHAR,
        detail VARCHAR
      );
      CREATE TABLE recoveries (
        at_us BIGINT NOT NULL,
        moved_to VARCHAR,               -- where the damaged file went
        table_name VARCHAR,
        rows_recovered BIGINT,
        status VARCHAR NOT NULL,        -- recovered | lost | partial
        detail VARCHAR,
        acknowledged BOOLEAN NOT NULL DEFAULT false
      );`,
    version: 1,
  },
  {
    // Serve stored a session's last lap twice (at the line, then again at the session's end).
    note: 'laps: one row per (session_key, lap)',
    sql: DEDUPE_LAPS,
    version: 2,
  },
]

/** The data tables a session's rows live in, keyed by session_key. */
export const SESSION_TABLES = ['frames', 'samples', 'channels', 'sources', 'laps', 'coaching_notes', 'ingest_log'] as const
