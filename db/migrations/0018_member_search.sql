-- Member search (ADR 0015 "Search"): an FTS5 trigram index over the folded name, the code and the
-- e-mail, as an external-content table over members (no second copy of the text), kept in sync by
-- triggers on every write of those columns, whichever code path writes them (app, imports, bulk
-- loaders). db/dialect.server.ts memberTextMatch() queries it; substring semantics are re-checked
-- on the candidates there, so results equal the LIKE scan's.
CREATE VIRTUAL TABLE `members_search` USING fts5(full_name_folded, code, email, content='members', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `members_search`(`members_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `members_search_ai` AFTER INSERT ON `members` BEGIN
  INSERT INTO `members_search`(rowid, full_name_folded, code, email) VALUES (new.id, new.full_name_folded, new.code, new.email);
END;
--> statement-breakpoint
CREATE TRIGGER `members_search_ad` AFTER DELETE ON `members` BEGIN
  INSERT INTO `members_search`(`members_search`, rowid, full_name_folded, code, email) VALUES ('delete', old.id, old.full_name_folded, old.code, old.email);
END;
--> statement-breakpoint
CREATE TRIGGER `members_search_au` AFTER UPDATE OF full_name_folded, code, email ON `members` BEGIN
  INSERT INTO `members_search`(`members_search`, rowid, full_name_folded, code, email) VALUES ('delete', old.id, old.full_name_folded, old.code, old.email);
  INSERT INTO `members_search`(rowid, full_name_folded, code, email) VALUES (new.id, new.full_name_folded, new.code, new.email);
END;
