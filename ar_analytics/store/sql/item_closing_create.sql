-- ar_item_closing: the closing date of each posted receivable line, kept by triggers
-- (models/ar_item_closing.py). Run at install and upgrade, after item_closing_drop.sql.

CREATE TABLE ar_item_closing (
    line_id int4 PRIMARY KEY REFERENCES account_move_line (id) ON DELETE CASCADE,
    company_id int4 NOT NULL,
    date date NOT NULL,
    closed_on date
);
COMMENT ON TABLE ar_item_closing IS
    'ar_analytics: closing date of each posted receivable line (kept by triggers)';

-- (re)computes the rows of the given lines from their current state: present for a posted
-- receivable line, with its closing date; absent otherwise
CREATE FUNCTION ar_item_closing_sync(ids int4[]) RETURNS void
LANGUAGE plpgsql AS $body$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM ar_item_closing c
     WHERE c.line_id = ANY(ids)
       AND NOT EXISTS (SELECT FROM account_move_line l
                         JOIN account_account a ON a.id = l.account_id
                        WHERE l.id = c.line_id AND l.parent_state = 'posted'
                          AND a.account_type = 'asset_receivable');
    INSERT INTO ar_item_closing (line_id, company_id, date, closed_on)
    SELECT l.id, l.company_id, l.date,
           CASE WHEN l.reconciled THEN
               (SELECT max(p.max_date) FROM account_partial_reconcile p
                 WHERE p.debit_move_id = l.id OR p.credit_move_id = l.id)
           END
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
     WHERE l.id = ANY(ids) AND l.parent_state = 'posted'
       AND a.account_type = 'asset_receivable'
        ON CONFLICT (line_id) DO UPDATE
       SET company_id = EXCLUDED.company_id, date = EXCLUDED.date,
           closed_on = EXCLUDED.closed_on
     WHERE (ar_item_closing.company_id, ar_item_closing.date, ar_item_closing.closed_on)
           IS DISTINCT FROM (EXCLUDED.company_id, EXCLUDED.date, EXCLUDED.closed_on);
END
$body$;

-- statement triggers' functions (one call per statement, with the rows it wrote)
CREATE FUNCTION ar_item_closing_lines_inserted() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(SELECT id FROM ar_new WHERE parent_state = 'posted'));
    RETURN NULL;
END
$body$;

-- only the lines whose state, account, date, company or reconciliation changed
CREATE FUNCTION ar_item_closing_lines_updated() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT n.id FROM ar_new n JOIN ar_old o ON o.id = n.id
         WHERE (n.parent_state, n.account_id, n.date, n.company_id, n.reconciled)
               IS DISTINCT FROM
               (o.parent_state, o.account_id, o.date, o.company_id, o.reconciled)));
    RETURN NULL;
END
$body$;

CREATE FUNCTION ar_item_closing_partials_written() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT debit_move_id FROM ar_new UNION SELECT credit_move_id FROM ar_new));
    RETURN NULL;
END
$body$;

CREATE FUNCTION ar_item_closing_partials_deleted() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT debit_move_id FROM ar_old UNION SELECT credit_move_id FROM ar_old));
    RETURN NULL;
END
$body$;

-- an account that becomes (or stops being) receivable: its lines, looked up only then
CREATE FUNCTION ar_item_closing_account_retyped() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    retyped int4[] := ARRAY(
        SELECT n.id FROM ar_new n JOIN ar_old o ON o.id = n.id
         WHERE n.account_type IS DISTINCT FROM o.account_type);
BEGIN
    IF cardinality(retyped) > 0 THEN
        PERFORM ar_item_closing_sync(ARRAY(
            SELECT id FROM account_move_line WHERE account_id = ANY(retyped)));
    END IF;
    RETURN NULL;
END
$body$;
