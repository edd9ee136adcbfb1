-- the index and the triggers of ar_item_closing, created once its rows are filled

CREATE INDEX ar_item_closing_open ON ar_item_closing (company_id, closed_on, date) INCLUDE (line_id);

CREATE TRIGGER ar_item_closing_line_insert AFTER INSERT ON account_move_line
    REFERENCING NEW TABLE AS ar_new
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_lines_inserted();

CREATE TRIGGER ar_item_closing_line_update AFTER UPDATE ON account_move_line
    REFERENCING NEW TABLE AS ar_new OLD TABLE AS ar_old
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_lines_updated();

CREATE TRIGGER ar_item_closing_partial_insert AFTER INSERT ON account_partial_reconcile
    REFERENCING NEW TABLE AS ar_new
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_partials_written();

CREATE TRIGGER ar_item_closing_partial_update AFTER UPDATE ON account_partial_reconcile
    REFERENCING NEW TABLE AS ar_new
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_partials_written();

CREATE TRIGGER ar_item_closing_partial_delete AFTER DELETE ON account_partial_reconcile
    REFERENCING OLD TABLE AS ar_old
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_partials_deleted();

CREATE TRIGGER ar_item_closing_account_update AFTER UPDATE ON account_account
    REFERENCING NEW TABLE AS ar_new OLD TABLE AS ar_old
    FOR EACH STATEMENT EXECUTE FUNCTION ar_item_closing_account_retyped();
