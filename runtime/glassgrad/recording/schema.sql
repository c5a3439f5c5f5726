-- glassgrad run store, schema version 2. One SQLite database per run and process (WAL mode).
-- Documented in docs/run-store.md; readers check meta.schema_version before anything else.
-- The writer sets PRAGMA application_id = 0x67677264 ('ggrd') and meta.application =
-- 'glassgrad run store': what proves a file is a store glassgrad made (pruning needs proof).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL, command TEXT, argv TEXT, cwd TEXT, pid INTEGER,
    started REAL NOT NULL, ended REAL,          -- unix seconds; ended NULL = still running or killed
    status TEXT NOT NULL,                       -- running | finished | failed | interrupted | incomplete
    exit_code INTEGER, error TEXT,
    signal TEXT,                                -- SIGTERM | SIGINT | SIGHUP when one interrupted the run
    python TEXT, numpy TEXT, glassgrad TEXT, schema_version INTEGER NOT NULL,
    stats TEXT NOT NULL, record_first INTEGER, sample_every INTEGER,
    sampling TEXT,                              -- auto | every N
    dropped INTEGER NOT NULL DEFAULT 0,         -- rows lost (buffer full or writer failure)
    writer_error TEXT,                          -- the first failure inside the writer
    heartbeat REAL,                             -- last commit time: a stale heartbeat and no end = killed
    host TEXT,
    group_id TEXT,                              -- shared by the stores of one program's processes
    parent TEXT,                                -- name of the parent process's store, if any
    parent_pid INTEGER,
    named INTEGER NOT NULL DEFAULT 0            -- 1: the user named this path (never pruned)
);

CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER, mtime REAL,
    text TEXT                                   -- the file's content (UTF-8, up to 1 MiB)
);

CREATE TABLE IF NOT EXISTS iterations (
    iter INTEGER PRIMARY KEY, started REAL, ended REAL, loss REAL,
    recorded INTEGER NOT NULL,                  -- 1: every op of it is in the store; 0: summary only
    reason TEXT,                                -- why (not) recorded: first | auto | interval | anomaly
                                                -- | sampled out | backlog
    n_ops INTEGER, n_backward INTEGER,          -- counts and times: NULL where the recorder
    forward_ns INTEGER, backward_ns INTEGER,    -- skipped the iteration's ops (not recorded)
    anomalies INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,         -- rows of this iteration the buffer dropped
    optimizer TEXT, lr REAL                     -- the first optimizer step's class and first group's lr
);

-- one row per forward op; seq is the op's sequence number (also its graph node id when it
-- built a node, so backward.node and edges.src refer to ops.seq)
CREATE TABLE IF NOT EXISTS ops (
    seq INTEGER PRIMARY KEY, iter INTEGER NOT NULL, op TEXT NOT NULL, has_node INTEGER NOT NULL,
    file TEXT, line INTEGER, func TEXT, module TEXT, thread INTEGER,
    t_start REAL, duration_ns INTEGER, output INTEGER  -- tensors.id
);
CREATE INDEX IF NOT EXISTS ops_by_line ON ops (file, line, iter);
CREATE INDEX IF NOT EXISTS ops_by_iter ON ops (iter);

-- graph edges: input idx of op dst came from op src (NULL for a leaf) as tensor `tensor`
CREATE TABLE IF NOT EXISTS edges (
    dst INTEGER NOT NULL, idx INTEGER NOT NULL, src INTEGER, tensor INTEGER NOT NULL,
    PRIMARY KEY (dst, idx)
);
CREATE INDEX IF NOT EXISTS edges_by_src ON edges (src);

-- a tensor as seen in one iteration: an op's output or input (kind 'value') or a gradient
CREATE TABLE IF NOT EXISTS tensors (
    id INTEGER NOT NULL, iter INTEGER NOT NULL, kind TEXT NOT NULL,  -- value | grad
    of INTEGER,                                 -- for a gradient: the tensor it belongs to
    op_seq INTEGER,                             -- the op (forward) or node (backward) that made it
    name TEXT,                                  -- parameter name or role when known
    shape TEXT NOT NULL, dtype TEXT NOT NULL, device TEXT NOT NULL, requires_grad INTEGER,
    min REAL, max REAL, mean REAL, std REAL, norm REAL, nan INTEGER, inf INTEGER,
    PRIMARY KEY (id, iter, kind)
);
CREATE INDEX IF NOT EXISTS tensors_by_op ON tensors (op_seq);

-- a tensor's sketch (iterations recorded with statistics), for viewers without its values:
-- counts of its finite values in `bins` equal bins over [lo, hi] (uint32), the tensor as a
-- rows x cols matrix of block means (leading dims flattened into rows; float16, NaN where a
-- block held no finite value), and for rank >= 3 the first n_slices matrices over the last
-- two dims, each slice_rows x slice_cols. Blobs are little-endian. Huge tensors are sampled.
CREATE TABLE IF NOT EXISTS sketches (
    id INTEGER NOT NULL, iter INTEGER NOT NULL, kind TEXT NOT NULL,
    lo REAL, hi REAL, hist BLOB, rows INTEGER, cols INTEGER, thumb BLOB,
    slice_rows INTEGER, slice_cols INTEGER, slices BLOB, n_slices INTEGER, bins INTEGER,
    PRIMARY KEY (id, iter, kind)
);
CREATE INDEX IF NOT EXISTS tensors_by_of ON tensors (of);

-- one row per backward node run; node = the forward op's seq
CREATE TABLE IF NOT EXISTS backward (
    id INTEGER PRIMARY KEY, iter INTEGER NOT NULL, node INTEGER NOT NULL, op TEXT NOT NULL,
    file TEXT, line INTEGER, func TEXT, module TEXT,
    t_start REAL, duration_ns INTEGER,
    grad_output TEXT,                           -- JSON list of tensors.id (kind 'grad')
    grad_inputs TEXT                            -- JSON list of tensors.id or null per input
);
CREATE INDEX IF NOT EXISTS backward_by_iter ON backward (iter);
CREATE INDEX IF NOT EXISTS backward_by_node ON backward (node);

-- one row per nn.Module call in a recorded iteration: the ops with first < seq < last ran in it
CREATE TABLE IF NOT EXISTS modules (
    id INTEGER PRIMARY KEY, iter INTEGER NOT NULL, path TEXT NOT NULL, type TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, t_start REAL, duration_ns INTEGER
);
CREATE INDEX IF NOT EXISTS modules_by_iter ON modules (iter, first);

CREATE TABLE IF NOT EXISTS anomalies (
    id INTEGER PRIMARY KEY, iter INTEGER NOT NULL, phase TEXT NOT NULL,  -- forward | backward
    kind TEXT NOT NULL,                                                  -- nan | inf | nan+inf
    op TEXT, seq INTEGER, file TEXT, line INTEGER, func TEXT, module TEXT,
    tensor INTEGER, count INTEGER, numel INTEGER, message TEXT, t REAL
);
CREATE INDEX IF NOT EXISTS anomalies_by_line ON anomalies (file, line);

CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY, iter INTEGER, op TEXT, file TEXT, line INTEGER, func TEXT,
    module TEXT, type TEXT NOT NULL, message TEXT NOT NULL, traceback TEXT, t REAL
);
CREATE INDEX IF NOT EXISTS errors_by_line ON errors (file, line);

-- time per op call site and module over the recorded iterations, kept up to date by the writer
-- as rows arrive (top ops, top modules and line times read it: fast on any store size). NULL
-- file and module are stored as '' (a NULL would never match in the primary key).
CREATE TABLE IF NOT EXISTS op_stats (
    op TEXT NOT NULL, file TEXT NOT NULL, line INTEGER, module TEXT NOT NULL,
    count INTEGER NOT NULL, forward_ns INTEGER NOT NULL, backward_ns INTEGER NOT NULL,
    iterations INTEGER NOT NULL,                -- recorded iterations that ran it
    first_iter INTEGER, last_iter INTEGER,
    PRIMARY KEY (op, file, line, module)
);
CREATE INDEX IF NOT EXISTS op_stats_by_file ON op_stats (file, line);
