-- Pages of reports and agents are filled to 90%, not 100%, so that a row's next version fits in
-- its own page: a re-reported entry that changed, and the agent's last_sync moved once per batch,
-- are then HOT updates (no new index entry in any of reports' four or agents' four indexes, which
-- none of the changed columns is in). It applies to pages written from now on; pages written
-- before gain room as their rows move. Rewriting them at once (VACUUM FULL) would lock the
-- tables, so it is left to an operator's window. SET (fillfactor) takes SHARE UPDATE EXCLUSIVE:
-- reads and writes go on.
ALTER TABLE "reports" SET (fillfactor = 90);
--> statement-breakpoint
ALTER TABLE "agents" SET (fillfactor = 90);
