-- 0003_add_workflow_graph_bytes: the UTF-8 size of a workflow's stored nodes and edges, so a request can tell a
-- large graph (parsed and rendered off the event loop, on a small bounded pool) from its row head alone, without
-- loading megabytes on the event loop first.
ALTER TABLE workflows ADD COLUMN graph_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE workflows SET graph_bytes = length(CAST(nodes AS BLOB)) + length(CAST(edges AS BLOB));
