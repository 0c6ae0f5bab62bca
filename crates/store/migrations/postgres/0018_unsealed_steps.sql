-- ketnap schema, version 18 (issue 19): the steps recorded before their chain existed (version 9)
-- found through a partial index. Every start (`Store::migrate`) looks for them to seal them; on
-- national data that look read all ~13 million steps, at every start of the server and of every
-- command. The index holds the unsealed steps only: empty once they are sealed.
CREATE INDEX candidacy_event_unsealed ON candidacy_event (candidacy_id, seq) WHERE chain IS NULL;
