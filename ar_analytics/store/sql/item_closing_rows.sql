-- every posted receivable line with its closing date, in one pass over the lines and one over
-- the partials (install, upgrade, rebuild; the tests' computation from scratch)
SELECT l.id, l.company_id, l.date, CASE WHEN l.reconciled THEN closing.closed_on END
  FROM account_move_line l
  JOIN account_account a ON a.id = l.account_id
  LEFT JOIN (SELECT side.line_id, max(p.max_date) AS closed_on
               FROM account_partial_reconcile p
              CROSS JOIN LATERAL (VALUES (p.debit_move_id), (p.credit_move_id))
                    AS side(line_id)
              GROUP BY side.line_id) closing ON closing.line_id = l.id
 WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
