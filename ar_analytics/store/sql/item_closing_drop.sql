-- ar_item_closing removed with its triggers and functions (upgrade, uninstall: Odoo removes
-- an addon's models' tables, not this one nor functions and triggers)

DROP TRIGGER IF EXISTS ar_item_closing_line_insert ON account_move_line;
DROP TRIGGER IF EXISTS ar_item_closing_line_update ON account_move_line;
DROP TRIGGER IF EXISTS ar_item_closing_partial_insert ON account_partial_reconcile;
DROP TRIGGER IF EXISTS ar_item_closing_partial_update ON account_partial_reconcile;
DROP TRIGGER IF EXISTS ar_item_closing_partial_delete ON account_partial_reconcile;
DROP TRIGGER IF EXISTS ar_item_closing_account_update ON account_account;
DROP FUNCTION IF EXISTS ar_item_closing_lines_inserted();
DROP FUNCTION IF EXISTS ar_item_closing_lines_updated();
DROP FUNCTION IF EXISTS ar_item_closing_partials_written();
DROP FUNCTION IF EXISTS ar_item_closing_partials_deleted();
DROP FUNCTION IF EXISTS ar_item_closing_account_retyped();
DROP FUNCTION IF EXISTS ar_item_closing_sync(int4[]);
DROP TABLE IF EXISTS ar_item_closing;
