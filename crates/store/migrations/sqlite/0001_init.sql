-- ketnap schema, version 1. Written once as a template in templates/; gen-migrations.sh replaces the
-- type placeholders per engine into sqlite/ and postgres/ (twin folders, same versions).
-- Civil dates have no zone; instants are UTC. Internal integer keys never leave the server: every
-- row a user can name has an opaque pub_id.

CREATE TABLE org (
    org_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES org (org_id),
    competent_authority TEXT NOT NULL DEFAULT 'superior_standing_committee',
    has_cell_committee INTEGER NOT NULL DEFAULT 0,
    youth_union_exists INTEGER NOT NULL DEFAULT 1,
    trade_union_instead INTEGER NOT NULL DEFAULT 0,
    education_exception TEXT,
    closed_on TEXT,
    merged_into BIGINT REFERENCES org (org_id),
    created_at TEXT NOT NULL
);
CREATE INDEX org_parent ON org (parent_id);

-- Every ancestor of every organisation, itself included at depth 0; kept in the same transaction
-- as inserts and moves, so a subtree is one join.
CREATE TABLE org_closure (
    ancestor_id BIGINT NOT NULL REFERENCES org (org_id),
    descendant_id BIGINT NOT NULL REFERENCES org (org_id),
    depth BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, ancestor_id);

-- Moves and merges keep history (the 2025 reorganisation merged communes and removed districts).
CREATE TABLE org_move (
    org_move_id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    old_parent_id BIGINT REFERENCES org (org_id),
    new_parent_id BIGINT REFERENCES org (org_id),
    moved_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX org_move_org ON org_move (org_id);

CREATE TABLE residential_unit (
    residential_unit_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    cell_id BIGINT REFERENCES org (org_id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    is_key_position_covered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX residential_unit_org ON residential_unit (org_id);

CREATE TABLE person (
    person_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    name_key TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    religion TEXT NOT NULL,
    education TEXT NOT NULL,
    qualification TEXT NOT NULL,
    theory_level TEXT NOT NULL,
    source_category TEXT NOT NULL,
    id_number TEXT UNIQUE,
    youth_union_member INTEGER NOT NULL,
    trade_union_member INTEGER NOT NULL,
    residential_unit_id BIGINT REFERENCES residential_unit (residential_unit_id),
    created_at TEXT NOT NULL
);
CREATE INDEX person_search ON person (search_text);
CREATE INDEX person_name_key ON person (name_key, person_id);

-- The roster (đảng số): official and probationary members of a cell.
CREATE TABLE member (
    member_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES person (person_id),
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    status TEXT NOT NULL,
    admitted_on TEXT,
    official_on TEXT,
    party_age_from TEXT,
    exempt INTEGER NOT NULL DEFAULT 0,
    left_on TEXT,
    candidacy_id BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX member_cell ON member (cell_id, status);
CREATE INDEX member_person ON member (person_id);

-- Start-of-year membership per organisation (the base of quotas).
CREATE TABLE membership_snapshot (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    year BIGINT NOT NULL,
    official BIGINT NOT NULL,
    probationary BIGINT NOT NULL,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE mass_org (
    mass_org_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX mass_org_org ON mass_org (org_id);

-- The current state of a candidacy: a projection of its events (ketnap rebuild recomputes it).
CREATE TABLE candidacy (
    candidacy_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES person (person_id),
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    stage TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    last_on TEXT NOT NULL,
    mentor_member_id BIGINT REFERENCES member (member_id),
    proposed_by BIGINT REFERENCES mass_org (mass_org_id),
    source_category TEXT NOT NULL,
    context TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX candidacy_cell_stage ON candidacy (cell_id, stage, candidacy_id);
CREATE INDEX candidacy_person ON candidacy (person_id);
CREATE INDEX candidacy_mentor ON candidacy (mentor_member_id);

-- Append-only history of each candidacy.
CREATE TABLE candidacy_event (
    event_id INTEGER PRIMARY KEY,
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    seq BIGINT NOT NULL,
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    payload TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    actor_id BIGINT,
    recorded_at TEXT NOT NULL,
    UNIQUE (candidacy_id, seq)
);
CREATE INDEX candidacy_event_cell_date ON candidacy_event (cell_id, on_date);

CREATE TABLE mentor_note (
    mentor_note_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    mentor_member_id BIGINT NOT NULL REFERENCES member (member_id),
    year BIGINT NOT NULL,
    month BIGINT NOT NULL,
    written_on TEXT NOT NULL,
    content TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (candidacy_id, year, month)
);

-- Dossier documents: metadata here, content once per hash.
CREATE TABLE file_blob (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE document (
    document_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    form_code TEXT NOT NULL,
    title TEXT NOT NULL,
    mime TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES file_blob (sha256),
    dated_on TEXT,
    uploaded_by BIGINT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX document_candidacy ON document (candidacy_id);

-- A mass organisation introducing a candidate to a cell.
CREATE TABLE introduction (
    introduction_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    mass_org_id BIGINT NOT NULL REFERENCES mass_org (mass_org_id),
    person_id BIGINT NOT NULL REFERENCES person (person_id),
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    introduced_on TEXT NOT NULL,
    candidacy_id BIGINT REFERENCES candidacy (candidacy_id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX introduction_cell ON introduction (cell_id);

CREATE TABLE plan (
    plan_id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    period TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, period)
);

-- Per-organisation, per-month counters written in each event's transaction; reports join them
-- over org_closure. period is 'YYYY-MM'.
CREATE TABLE counter (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (org_id, period, metric)
);

CREATE TABLE app_user (
    user_id INTEGER PRIMARY KEY,
    pub_id TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    api_token_hash TEXT UNIQUE,
    member_id BIGINT REFERENCES member (member_id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- A user's role over a set of subtrees (a committee member in charge of three cells holds three).
CREATE TABLE user_scope (
    user_id BIGINT NOT NULL REFERENCES app_user (user_id),
    role TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    PRIMARY KEY (user_id, role, org_id)
);
CREATE INDEX user_scope_org ON user_scope (org_id);

-- The audit trail: a hash chain. Each row carries the hash of the previous one; audit_head holds
-- the last, and updating it serialises writers on both engines.
CREATE TABLE audit (
    audit_id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    org_id BIGINT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_org ON audit (org_id, seq);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
