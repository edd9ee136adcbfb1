-- ar_credit_figures: what the credit rules read of the customers of some contacts, in one call
-- (models/ar_credit_rules.py). PL/pgSQL keeps the plan of its statement for the database
-- session (force_generic_plan): no planning at every confirmation, and unlike a prepared
-- statement it works behind connection poolers.
--
-- Parameters: the contacts, the company, the company's tree (core's credit counts the
-- branches), today, the JSON key and default of the company-dependent credit limit, whether
-- the limit rule applies, and whether to serialise the customers with a limit (Odoo's
-- transactions run in REPEATABLE READ: a concurrent confirmation for the same customer must
-- not read an exposure that misses this one; writing the same ar_credit_lock row makes the
-- second transaction wait for the first, then fail with a serialization error, and Odoo
-- retries it with a fresh snapshot in which the first order counts).
--
-- An item is due on its due date, else on its invoice's date, else on its own date: the
-- engine's due date (engine_contract.md), so the rules and the figures age items alike.

DROP FUNCTION IF EXISTS ar_credit_figures;

CREATE FUNCTION ar_credit_figures(
    p_contacts int4[], p_company int4, p_companies int4[], p_today date,
    p_limit_key text, p_limit_default float8, p_limits bool, p_lock bool)
RETURNS TABLE (contact_id int4, partner_id int4, credit_limit float8, credit numeric,
               grade varchar, days int4[], open numeric[], to_invoice bool)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $ar$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH c AS (
        SELECT rp.id AS contact_id, COALESCE(rp.commercial_partner_id, rp.id) AS partner_id
          FROM res_partner rp
         WHERE rp.id = ANY(p_contacts)
    ), p AS (
        SELECT cp.id,
               CASE WHEN p_limits
                    THEN COALESCE((cp.credit_limit->>p_limit_key)::float8, p_limit_default, 0)
                    ELSE 0 END AS credit_limit
          FROM res_partner cp
         WHERE cp.id IN (SELECT c.partner_id FROM c)
    ), lock AS (
        INSERT INTO ar_credit_lock (company_id, partner_id, checks)
        SELECT p_company, p.id, 1 FROM p WHERE p_lock AND p.credit_limit > 0 ORDER BY p.id
            ON CONFLICT (company_id, partner_id)
            DO UPDATE SET checks = ar_credit_lock.checks + 1
        RETURNING ar_credit_lock.partner_id
    ), r AS (
        SELECT l.partner_id,
               SUM(l.amount_residual) AS credit,
               ARRAY_AGG(p_today - COALESCE(l.date_maturity, m.invoice_date, l.date)
                         ORDER BY l.id)
                   FILTER (WHERE l.amount_residual > 0
                             AND COALESCE(l.date_maturity, m.invoice_date, l.date) < p_today)
                   AS days,
               ARRAY_AGG(l.amount_residual ORDER BY l.id)
                   FILTER (WHERE l.amount_residual > 0
                             AND COALESCE(l.date_maturity, m.invoice_date, l.date) < p_today)
                   AS open
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
          JOIN account_move m ON m.id = l.move_id
         WHERE l.partner_id IN (SELECT p.id FROM p)
           AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
           AND l.reconciled IS NOT TRUE AND l.company_id = ANY(p_companies)
         GROUP BY l.partner_id
    )
    SELECT c.contact_id, p.id, p.credit_limit, COALESCE(r.credit, 0), s.grade, r.days, r.open,
           p.credit_limit > 0 AND EXISTS (
               SELECT 1
                 FROM sale_order so
                 JOIN res_partner ip ON ip.id = so.partner_invoice_id
                WHERE ip.commercial_partner_id = p.id AND so.company_id = p_company
                  AND so.state = 'sale'
                  AND EXISTS (SELECT 1 FROM sale_order_line sol
                               WHERE sol.order_id = so.id
                                 AND sol.untaxed_amount_to_invoice > 0))
      FROM c
      JOIN p ON p.id = c.partner_id
 LEFT JOIN r ON r.partner_id = p.id
 LEFT JOIN ar_customer_stat s ON s.partner_id = p.id AND s.company_id = p_company;
END
$ar$;
